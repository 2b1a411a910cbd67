from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from licensing.models import License
from onboarding.models import Category, Onboarding, Task
from onboarding.services import change_task_status
from tests.accounts.factories import CompanyFactory, UserFactory
from tests.licensing.factories import LicenseFactory, ProductFactory
from tests.onboarding.factories import OnboardingFactory, TaskFactory

TODAY = timezone.localdate()


@pytest.fixture
def onboarding(company, product, support):
    onboarding = OnboardingFactory(
        license=LicenseFactory(company=company, product=product), owner=support
    )
    for title, category in [
        ("Set up single sign-on", Category.CONFIGURATION),
        ("Import the user list", Category.IMPLEMENTATION),
        ("Write the admin guide", Category.DOCUMENTATION),
    ]:
        TaskFactory(
            onboarding=onboarding,
            title=title,
            category=category,
            assignee=support,
            due_on=TODAY + timedelta(days=7),
        )
    return onboarding


def task_named(onboarding, title):
    return onboarding.tasks.get(title=title)


def read_pages(onboarding):
    task = onboarding.tasks.first()
    return [
        reverse("onboarding_board"),
        reverse("onboarding_detail", args=[onboarding.pk]),
        reverse("onboarding_task_edit", args=[task.pk]),
    ]


def write_actions(onboarding):
    task = onboarding.tasks.first()
    return [
        (reverse("onboarding_task_status", args=[task.pk]), {"status": "done"}),
        (reverse("onboarding_task_assign", args=[task.pk]), {"assignee": ""}),
        (
            reverse("onboarding_task_edit", args=[task.pk]),
            {"title": "x", "category": "configuration"},
        ),
        (reverse("onboarding_task_add", args=[onboarding.pk]), {"new-title": "x"}),
        (reverse("onboarding_mark_live", args=[onboarding.pk]), {}),
        (reverse("onboarding_hold", args=[onboarding.pk]), {}),
        (reverse("onboarding_resume", args=[onboarding.pk]), {}),
    ]


def test_every_page_requires_sign_in(client, onboarding):
    for url in read_pages(onboarding):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


@pytest.mark.parametrize(
    ("role", "board", "detail", "edit_page"),
    [
        ("support", 200, 200, 200),
        ("admin", 200, 200, 200),
        ("account_manager", 200, 200, 403),
        # Finance sees no onboarding: one that exists is not found, as a missing one is.
        ("finance", 403, 404, 404),
    ],
)
def test_who_sees_the_onboarding_pages(client, request, onboarding, role, board, detail, edit_page):
    client.force_login(request.getfixturevalue(role))
    board_url, detail_url, edit_url = read_pages(onboarding)

    assert client.get(board_url).status_code == board
    assert client.get(detail_url).status_code == detail
    assert client.get(edit_url).status_code == edit_page


@pytest.mark.parametrize(("role", "answer"), [("account_manager", 403), ("finance", 404)])
def test_only_support_and_administrators_change_tasks(client, request, onboarding, role, answer):
    client.force_login(request.getfixturevalue(role))

    for url, data in write_actions(onboarding):
        assert client.post(url, data).status_code == answer, url
    assert not onboarding.tasks.filter(status=Task.Status.DONE).exists()
    assert Onboarding.objects.get().status == Onboarding.Status.NOT_STARTED


def test_an_account_manager_sees_progress_without_controls(client, account_manager, onboarding):
    client.force_login(account_manager)

    page = client.get(reverse("onboarding_detail", args=[onboarding.pk])).content.decode()

    assert "Set up single sign-on" in page
    assert "0 of 3 tasks done" in page
    assert "Mark live" not in page
    assert "hx-post" not in page
    assert 'type="checkbox"' not in page


def test_an_unknown_onboarding_is_not_found(client, support):
    client.force_login(support)

    assert client.get(reverse("onboarding_detail", args=[999])).status_code == 404


def test_ticking_a_task_returns_its_row_and_the_new_progress(client, support, onboarding):
    client.force_login(support)
    task = task_named(onboarding, "Set up single sign-on")

    response = client.post(
        reverse("onboarding_task_status", args=[task.pk]),
        {"status": "done"},
        HTTP_HX_REQUEST="true",
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="task-{task.pk}"' in page
    assert 'hx-swap-oob="true"' in page
    assert "1 of 3 tasks done" in page
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.done_by == support


def test_blocking_without_a_reason_shows_the_message_in_the_row(client, support, onboarding):
    client.force_login(support)
    task = task_named(onboarding, "Import the user list")
    url = reverse("onboarding_task_status", args=[task.pk])

    response = client.post(url, {"status": "blocked", "reason": ""}, HTTP_HX_REQUEST="true")

    assert "Say why the task is blocked." in response.content.decode()
    assert '<option value="blocked" selected>' in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == Task.Status.TODO

    response = client.post(
        url, {"status": "blocked", "reason": "No VPN access"}, HTTP_HX_REQUEST="true"
    )
    assert "No VPN access" in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == Task.Status.BLOCKED


def test_without_htmx_a_status_change_returns_to_the_checklist(client, support, onboarding):
    client.force_login(support)
    task = task_named(onboarding, "Import the user list")

    response = client.post(reverse("onboarding_task_status", args=[task.pk]), {"status": "doing"})

    assert response.status_code == 302
    assert response.url == reverse("onboarding_detail", args=[onboarding.pk])
    assert Task.objects.get(pk=task.pk).status == Task.Status.DOING


def test_reassigning_a_task(client, support, onboarding):
    colleague = UserFactory(role=Role.SUPPORT, first_name="Ines", last_name="Moreau")
    client.force_login(support)
    task = task_named(onboarding, "Write the admin guide")

    response = client.post(
        reverse("onboarding_task_assign", args=[task.pk]),
        {"assignee": colleague.pk},
        HTTP_HX_REQUEST="true",
    )

    assert "Ines Moreau" in response.content.decode()
    assert Task.objects.get(pk=task.pk).assignee == colleague


def test_marking_live_is_refused_with_a_clear_message_until_implementation_is_done(
    client, support, onboarding
):
    client.force_login(support)
    url = reverse("onboarding_mark_live", args=[onboarding.pk])
    change_task_status(
        task=task_named(onboarding, "Set up single sign-on"), status="done", actor=support
    )

    page = client.post(url, follow=True).content.decode()

    assert "cannot go live yet: 1 configuration or implementation task is not done" in page
    assert "Import the user list" in page
    assert Onboarding.objects.get().status == Onboarding.Status.IN_PROGRESS

    change_task_status(
        task=task_named(onboarding, "Import the user list"), status="done", actor=support
    )
    page = client.post(url, follow=True).content.decode()

    assert f"{onboarding.company} is live." in page
    assert License.objects.get().live_on == TODAY


def test_putting_on_hold_and_resuming(client, support, onboarding):
    client.force_login(support)

    client.post(reverse("onboarding_hold", args=[onboarding.pk]))
    assert Onboarding.objects.get().status == Onboarding.Status.ON_HOLD
    client.post(reverse("onboarding_resume", args=[onboarding.pk]))
    assert Onboarding.objects.get().status == Onboarding.Status.IN_PROGRESS


def test_adding_a_task_and_its_errors(client, support, onboarding):
    client.force_login(support)
    url = reverse("onboarding_task_add", args=[onboarding.pk])

    response = client.post(url, {"new-title": "", "new-category": "documentation"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()

    response = client.post(
        url,
        {
            "new-title": "Record a video",
            "new-category": "user_education",
            "new-assignee": support.pk,
        },
    )
    assert response.status_code == 302
    task = onboarding.tasks.get(title="Record a video")
    assert (task.category, task.assignee) == (Category.USER_EDUCATION, support)


def test_editing_a_task(client, support, onboarding):
    client.force_login(support)
    task = task_named(onboarding, "Write the admin guide")

    response = client.post(
        reverse("onboarding_task_edit", args=[task.pk]),
        {
            "title": "Write the administrator guide",
            "category": "documentation",
            "due_on": "2026-12-24",
            "notes": "In French and English",
        },
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.due_on, task.notes, task.assignee) == (
        "Write the administrator guide",
        date(2026, 12, 24),
        "In French and English",
        None,
    )


def test_the_board_shows_progress_overdue_and_days_to_go_live(client, support, onboarding):
    late = TaskFactory(
        onboarding=onboarding, category=Category.CONFIGURATION, due_on=TODAY - timedelta(days=2)
    )
    change_task_status(task=late, status="doing", actor=support)
    Onboarding.objects.filter(pk=onboarding.pk).update(target_live_on=TODAY + timedelta(days=12))
    live = OnboardingFactory(status=Onboarding.Status.LIVE, live_on=TODAY)
    client.force_login(support)

    page = client.get(reverse("onboarding_board")).content.decode()

    assert onboarding.company.name in page
    assert live.company.name not in page
    assert "0 / 2" in page  # configuration: none of two done
    assert "1 overdue task" in page
    assert "(in 12 days)" in page


def test_the_board_filters(client, support, onboarding):
    colleague = UserFactory(role=Role.SUPPORT)
    theirs = OnboardingFactory(
        license=LicenseFactory(company=CompanyFactory(name="Theirs Ltd")), owner=colleague
    )
    TaskFactory(onboarding=theirs, assignee=colleague, due_on=TODAY - timedelta(days=1))
    client.force_login(support)
    board = reverse("onboarding_board")

    def companies(**filters):
        page = client.get(board, filters).content.decode()
        return {name for name in (onboarding.company.name, "Theirs Ltd") if name in page}

    assert companies() == {onboarding.company.name, "Theirs Ltd"}
    assert companies(mine="on") == {onboarding.company.name}
    assert companies(overdue="on") == {"Theirs Ltd"}
    assert companies(owner=colleague.pk) == {"Theirs Ltd"}
    assert companies(assignee=support.pk) == {onboarding.company.name}


def test_the_board_keeps_a_constant_number_of_queries_with_500_onboardings(
    client, support, django_assert_max_num_queries
):
    company = CompanyFactory()
    product = ProductFactory()
    licenses = License.objects.bulk_create(
        License(
            company=company,
            product=product,
            seats=10,
            unit_price="40.00",
            starts_on=TODAY,
            ends_on=TODAY + timedelta(days=364),
        )
        for _ in range(500)
    )
    onboardings = Onboarding.objects.bulk_create(
        Onboarding(
            company=company,
            license=license,
            owner=support,
            starts_on=TODAY,
            target_live_on=TODAY + timedelta(days=30),
        )
        for license in licenses
    )
    Task.objects.bulk_create(
        Task(onboarding=onboarding, title=category.label, category=category, assignee=support)
        for onboarding in onboardings
        for category in Category
    )
    client.force_login(support)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("onboarding_board"), {"mine": "on", "overdue": ""})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 500


def test_the_checklist_keeps_a_constant_number_of_queries(
    client, support, onboarding, django_assert_max_num_queries
):
    for number in range(30):
        TaskFactory(onboarding=onboarding, title=f"Extra {number}", assignee=support)
    client.force_login(support)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("onboarding_detail", args=[onboarding.pk]))

    assert response.status_code == 200


def render_for(user, template, **context):
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(template, context, request=request)


def test_the_company_page_block_shows_progress_with_a_link(account_manager, onboarding, finance):
    html = render_for(
        account_manager, "onboarding/_company_progress.html", company=onboarding.company
    )

    assert reverse("onboarding_detail", args=[onboarding.pk]) in html
    assert "0 of 3 tasks done" in html
    assert (
        render_for(finance, "onboarding/_company_progress.html", company=onboarding.company).strip()
        == ""
    )


def test_the_support_home_block_lists_open_onboardings_and_overdue_tasks(support, onboarding):
    TaskFactory(
        onboarding=onboarding,
        title="Call the client back",
        assignee=support,
        due_on=TODAY - timedelta(days=3),
    )

    html = render_for(support, "onboarding/_support_home.html")

    assert "1 onboarding in progress" in html
    assert "1 overdue task" in html
    assert "Call the client back" in html
    assert reverse("onboarding_board") in html


def pages_with_an_onboarding(onboarding):
    return [
        reverse("home"),
        reverse("onboarding_board"),
        reverse("onboarding_detail", args=[onboarding.pk]),
        reverse("company_detail", args=[onboarding.company_id]),
        reverse("license_detail", args=[onboarding.license_id]),
    ]


@pytest.mark.parametrize("role", ["support", "admin", "account_manager"])
def test_a_task_given_to_nobody_and_an_onboarding_without_owner_leave_every_page_working(
    request, role, onboarding
):
    # "Nobody yet" in the form and `assignee: null` in the API both store a task without one.
    TaskFactory(onboarding=onboarding, title="Nobody's task", assignee=None)
    Onboarding.objects.filter(pk=onboarding.pk).update(owner=None)
    client = request.getfixturevalue("client")
    client.force_login(request.getfixturevalue(role))

    for url in pages_with_an_onboarding(onboarding):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("onboarding_detail", args=[onboarding.pk])).content.decode()
    assert "Unassigned" in page and "nobody" in page


def test_a_task_given_to_nobody_through_the_form_shows_as_unassigned(client, support, onboarding):
    client.force_login(support)
    response = client.post(
        reverse("onboarding_task_add", args=[onboarding.pk]),
        {"new-title": "Nobody's task", "new-category": "configuration", "new-assignee": ""},
    )
    assert response.status_code in (200, 302)
    assert onboarding.tasks.get(title="Nobody's task").assignee is None

    assert client.get(reverse("onboarding_detail", args=[onboarding.pk])).status_code == 200
