"""The account manager's home: "my follow-ups" grouped by when they fall due, and "needs a
next step" (trials ending, renewals due, quotes expiring that no open follow-up covers), on
hand-made data and in a constant number of queries."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import FollowUp
from accounts.services import complete_follow_up, create_follow_up
from sales import services
from sales.models import Quote
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


def days(number):
    return timezone.localdate() + timedelta(days=number)


def plan(company, actor, *, subject=None, due_on=None, title="Call back"):
    return create_follow_up(
        company=company,
        title=title,
        due_on=due_on or days(1),
        assignee=actor,
        actor=actor,
        subject=subject,
    )


def sent_quote(company, actor, valid_until):
    quote = make_quote(company=company, product=ProductFactory())
    services.send_quote(quote=quote, actor=actor)
    Quote.objects.filter(pk=quote.pk).update(valid_until=valid_until)  # hand-made expiry
    return quote


def ending_trial(owner, name):
    company = CompanyFactory(owner=owner, name=name)
    return TrialFactory(
        company=company, product=ProductFactory(), starts_on=days(-10), ends_on=days(3)
    )


def due_license(owner, name):
    company = CompanyFactory(owner=owner, name=name)
    return LicenseFactory(
        company=company, product=ProductFactory(), starts_on=days(-300), ends_on=days(60)
    )


def home_lists(client, user):
    client.force_login(user)
    return client.get(reverse("home")).context


def test_only_what_no_open_follow_up_covers_needs_a_next_step(
    client, account_manager, other_account_manager
):
    bare_trial = ending_trial(account_manager, "Bare trial")
    covered_trial = ending_trial(account_manager, "Covered trial")
    plan(covered_trial.company, account_manager, subject=covered_trial)
    company_wide = ending_trial(account_manager, "Company-wide follow-up")
    plan(company_wide.company, account_manager)  # about the company as a whole: covers it
    done_trial = ending_trial(account_manager, "Done follow-up")
    complete_follow_up(follow_up=plan(done_trial.company, account_manager, subject=done_trial),
                       actor=account_manager)  # fmt: skip
    other_subject = ending_trial(account_manager, "Follow-up on something else")
    plan(other_subject.company, account_manager,
         subject=LicenseFactory(company=other_subject.company, product=ProductFactory()))  # fmt: skip
    ending_trial(other_account_manager, "Someone else's")

    bare_license = due_license(account_manager, "Bare renewal")
    covered_license = due_license(account_manager, "Covered renewal")
    plan(covered_license.company, account_manager, subject=covered_license)

    expiring = sent_quote(bare_trial.company, account_manager, days(10))
    covered_quote = sent_quote(covered_license.company, account_manager, days(5))
    plan(covered_license.company, account_manager, subject=covered_quote)
    sent_quote(bare_license.company, account_manager, days(40))  # not expiring soon

    lists = home_lists(client, account_manager)["manager"]

    assert {trial.pk for trial in lists["next_step_trials"]} == {
        bare_trial.pk, done_trial.pk, other_subject.pk
    }  # fmt: skip
    assert [license.pk for license in lists["next_step_renewals"]] == [bare_license.pk]
    assert [quote.pk for quote in lists["next_step_quotes"]] == [expiring.pk]


def test_an_administrator_sees_every_account_managers_next_steps(
    client, admin, account_manager, other_account_manager
):
    mine = ending_trial(account_manager, "Mine")
    theirs = ending_trial(other_account_manager, "Theirs")
    lists = home_lists(client, admin)["manager"]
    assert {trial.pk for trial in lists["next_step_trials"]} == {mine.pk, theirs.pk}


WEDNESDAY = date(2026, 12, 2)
SUNDAY = date(2026, 12, 6)


def follow_ups_on(client, user, today, monkeypatch) -> tuple[dict, str]:
    """Home's "my follow-ups" groups (their titles) and page, as `user` sees them on `today`."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: today)
    client.force_login(user)
    response = client.get(reverse("home"))
    groups = response.context["follow_ups"]
    titles = {name: [f.title for f in group["rows"]] for name, group in groups.items()}
    return titles, response.content.decode()


def add_follow_up(company, title, due_on, assignee):
    return FollowUp.objects.create(company=company, title=title, due_on=due_on,
                                   assignee=assignee, created_by=assignee)  # fmt: skip


def test_my_follow_ups_this_week_end_on_sunday_like_the_trials_ending_this_week_filter(
    client, account_manager, other_account_manager, company, monkeypatch
):
    def add(title, due_on, assignee=account_manager):
        return add_follow_up(company, title, due_on, assignee)

    add("Late", WEDNESDAY - timedelta(days=2))
    add("Now", WEDNESDAY)
    add("Thursday call", WEDNESDAY + timedelta(days=1))
    add("Sunday email", SUNDAY)
    add("Monday demo", SUNDAY + timedelta(days=1))  # within 7 days, but next week
    add("Someone else's", WEDNESDAY, assignee=other_account_manager)
    complete_follow_up(follow_up=add("Done", WEDNESDAY - timedelta(days=1)), actor=account_manager)

    groups, page = follow_ups_on(client, account_manager, WEDNESDAY, monkeypatch)

    assert groups == {
        "overdue": ["Late"],
        "today": ["Now"],
        "this_week": ["Thursday call", "Sunday email"],
    }
    assert 'id="my-follow-ups"' in page and "Monday demo" not in page
    trials = client.get(reverse("trial_list")).context["presets"]
    assert dict(trials)["Trials ending this week"] == "ending=4"  # Wednesday to Sunday too


def test_on_a_sunday_this_week_is_today_alone(client, account_manager, company, monkeypatch):
    add_follow_up(company, "Now", SUNDAY, account_manager)
    add_follow_up(company, "Monday demo", SUNDAY + timedelta(days=1), account_manager)

    groups, page = follow_ups_on(client, account_manager, SUNDAY, monkeypatch)

    assert groups == {"overdue": [], "today": ["Now"], "this_week": []}
    assert "Nothing due this week." in page and "Monday demo" not in page
    trials = client.get(reverse("trial_list")).context["presets"]
    assert dict(trials)["Trials ending this week"] == "ending=0"


def test_the_home_page_reads_its_follow_ups_and_next_steps_in_constant_queries(
    client, account_manager, django_assert_max_num_queries
):
    def add_rows(number):
        for index in range(number):
            trial = ending_trial(account_manager, f"Trial {index}")
            due_license(account_manager, f"Renewal {index}")
            sent_quote(trial.company, account_manager, days(7))
            for due in (-3, 0, 4):
                FollowUp.objects.create(company=trial.company, title=f"Task {index}",
                                        due_on=days(due), assignee=account_manager,
                                        created_by=account_manager)  # fmt: skip

    add_rows(1)
    client.force_login(account_manager)
    url = reverse("home")
    client.get(url)  # content types cached, as in a running process
    with django_assert_max_num_queries(100) as few:
        client.get(url)
    add_rows(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["follow_ups"]["overdue"]["count"] == 13
    assert len(response.context["follow_ups"]["overdue"]["rows"]) == 10
    assert "13 in all, the earliest 10 shown" in response.content.decode()
