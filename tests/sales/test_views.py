from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity
from licensing.models import License
from sales import services
from sales.metrics import snapshot
from sales.models import Quote
from tests.accounts.factories import CompanyFactory
from tests.licensing.factories import LicenseFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


def builder_data(company, product, seats, **fields):
    """What the quote builder posts: the quote's fields and one line (plus a blank one)."""
    return {
        "contact": company.contacts.get().pk,
        "term_months": 12,
        "starts_on": timezone.localdate().isoformat(),
        "discount_percent": "0",
        "tax_percent": "20",
        "lines-TOTAL_FORMS": 2,
        "lines-INITIAL_FORMS": 0,
        "lines-0-product": product.pk,
        "lines-0-requested_seats": seats,
        **fields,
    }


def preview(client, company, product, seats, **fields):
    url = reverse("quote_price_new") + f"?company={company.pk}"
    return client.post(url, builder_data(company, product, seats, **fields), HTTP_HX_REQUEST="true")


def test_the_live_price_shows_the_block_rounding_the_tier_price_and_the_totals(
    signed_in, company, product
):
    page = preview(signed_in, company, product, 23).content.decode()
    assert "23 requested → 25 billed, blocks of 5" in page
    assert "35.00 EUR per seat per year" in page
    assert "875.00 EUR" in page and "175.00 EUR" in page and "1,050.00 EUR" in page
    assert "<html" not in page  # a fragment for htmx to swap in


def test_the_live_price_hints_at_a_cheaper_tier_a_block_away(signed_in, company, product):
    page = preview(signed_in, company, product, 20).content.decode()
    assert "Tier hint: 5 more seats (25 billed) cost 35.00 EUR per seat" in page


def test_a_discount_above_the_threshold_shows_needs_approval(signed_in, company, product):
    page = preview(signed_in, company, product, 23, discount_percent="20").content.decode()
    assert "Needs approval" in page


def test_the_live_price_says_what_to_fix_when_the_input_is_incomplete(signed_in, company, product):
    page = preview(signed_in, company, product, "").content.decode()
    assert "How many seats?" not in page  # errors show on the form, the price asks for a fix
    assert "Fix the highlighted fields to see the price." in page


def test_a_new_quote_starts_today_in_the_builder(signed_in, company):
    page = signed_in.get(reverse("quote_create") + f"?company={company.pk}").content.decode()
    assert f'name="starts_on" value="{timezone.localdate():%Y-%m-%d}"' in page


def test_saving_the_builder_makes_a_priced_draft(signed_in, company, product, account_manager):
    url = reverse("quote_create") + f"?company={company.pk}"
    response = signed_in.post(url, builder_data(company, product, 23))
    quote = Quote.objects.get()
    assert response.url == reverse("quote_detail", args=[quote.pk])
    assert (quote.status, quote.owner, quote.total) == (
        "draft",
        account_manager,
        Decimal("1050.00"),
    )
    assert quote.lines.get().billed_seats == 25


def test_the_builder_keeps_the_expected_close_date_for_the_pipeline(signed_in, company, product):
    close = timezone.localdate() + timedelta(days=45)
    url = reverse("quote_create") + f"?company={company.pk}"

    signed_in.post(url, builder_data(company, product, 23, expected_close=close.isoformat()))

    assert Quote.objects.get().expected_close == close


def test_the_builder_shows_field_errors_and_saves_nothing(signed_in, company, product):
    url = reverse("quote_create") + f"?company={company.pk}"
    data = builder_data(company, product, "", discount_percent="150", term_months="0")
    page = signed_in.post(url, data).content.decode()
    assert 'id="id_lines-0-requested_seats-errors"' in page and "How many seats?" in page
    assert 'id="id_discount_percent-errors"' in page
    assert 'id="id_term_months-errors"' in page
    assert not Quote.objects.exists()


def test_a_line_of_a_product_no_longer_sold_is_refused_on_the_form(signed_in, company, product):
    quote = make_quote(company=company, product=product)
    product.active = False
    product.save()
    url = reverse("quote_edit", args=[quote.pk])
    data = builder_data(company, product, 30, **{"lines-INITIAL_FORMS": 1})
    page = signed_in.post(url, data).content.decode()
    assert "Select a valid choice" in page
    quote.refresh_from_db()
    assert quote.lines.get().requested_seats == 23


def test_editing_a_draft_reprices_it(signed_in, company, product):
    quote = make_quote(company=company, product=product)
    url = reverse("quote_edit", args=[quote.pk])
    # <input type="date"> takes only ISO dates; a localised one would empty the field.
    assert f'value="{quote.starts_on.isoformat()}"' in signed_in.get(url).content.decode()
    assert signed_in.get(url).context["formset"].initial == [
        {"product": product, "requested_seats": 23}
    ]
    signed_in.post(url, builder_data(company, product, 100, **{"lines-INITIAL_FORMS": 1}))
    quote.refresh_from_db()
    assert (quote.lines.get().unit_price, quote.total) == (Decimal("30.00"), Decimal("3600.00"))


def test_a_sent_quote_cannot_be_edited(signed_in, company, product, account_manager):
    quote = services.send_quote(quote=make_quote(company=company, product=product), actor=account_manager)  # fmt: skip
    response = signed_in.get(reverse("quote_edit", args=[quote.pk]), follow=True)
    assert "was sent and is frozen; revise it instead" in response.content.decode()


def test_sending_gives_a_number_and_keeps_the_note(signed_in, company, product):
    quote = make_quote(company=company, product=product)
    response = signed_in.post(
        reverse("quote_send", args=[quote.pk]), {"message": "As discussed"}, follow=True
    )
    quote.refresh_from_db()
    assert quote.status == "sent" and quote.number.startswith("Q-")
    assert f"{quote.number} sent." in response.content.decode()
    assert Activity.objects.filter(message__endswith="with the note: As discussed").exists()


def test_sending_a_discount_waiting_for_approval_is_refused_with_a_message(
    signed_in, company, product
):
    quote = make_quote(company=company, product=product, discount_percent=Decimal("30"))
    response = signed_in.post(reverse("quote_send", args=[quote.pk]), follow=True)
    assert "needs approval by Finance before sending" in response.content.decode()
    quote.refresh_from_db()
    assert (quote.status, quote.number) == ("draft", "")


def test_revising_opens_a_new_revision_and_lists_the_earlier_one(
    signed_in, company, product, account_manager
):
    sent = services.send_quote(quote=make_quote(company=company, product=product), actor=account_manager)  # fmt: skip
    response = signed_in.post(reverse("quote_revise", args=[sent.pk]))
    revision = Quote.objects.get(previous_revision=sent)
    assert response.url == reverse("quote_edit", args=[revision.pk])
    page = signed_in.get(reverse("quote_detail", args=[revision.pk])).content.decode()
    assert reverse("quote_detail", args=[sent.pk]) in page and "Revision 1" in page
    earlier = signed_in.get(reverse("quote_detail", args=[sent.pk])).content.decode()
    assert "Revision 2" in earlier


def test_accepting_a_sent_quote_makes_the_license(signed_in, company, product, account_manager):
    sent = services.send_quote(quote=make_quote(company=company, product=product), actor=account_manager)  # fmt: skip
    response = signed_in.post(reverse("quote_accept", args=[sent.pk]), follow=True)
    assert "accepted" in response.content.decode()
    assert License.objects.get(company=company).seats == 25


def test_declining_a_draft_is_refused_with_a_message(signed_in, company, product):
    quote = make_quote(company=company, product=product)
    url = reverse("quote_decline", args=[quote.pk])
    response = signed_in.post(url, {"reason_code": "price"}, follow=True)
    assert "Cannot decline" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).status == "draft"


def test_finance_reads_a_quote_without_any_edit_action(client, finance, company, product):
    quote = make_quote(company=company, product=product)
    client.force_login(finance)
    page = client.get(reverse("quote_detail", args=[quote.pk])).content.decode()
    assert reverse("quote_edit", args=[quote.pk]) not in page
    assert reverse("quote_send", args=[quote.pk]) not in page


def test_finance_approves_a_discount_from_the_queue_with_a_comment(
    client, finance, company, product, django_assert_max_num_queries
):
    quotes = [make_quote(company=company, product=product, discount_percent=Decimal("25")) for _ in range(20)]  # fmt: skip
    client.force_login(finance)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("approval_queue")).content.decode()
    assert page.count("Approve<") == 20
    client.post(reverse("quote_approve", args=[quotes[0].pk]), {"comment": "Strategic account"})
    quotes[0].refresh_from_db()
    assert (quotes[0].approval, quotes[0].approval_comment) == ("approved", "Strategic account")


def test_rejecting_without_a_comment_is_refused_with_a_message(client, finance, company, product):
    quote = make_quote(company=company, product=product, discount_percent=Decimal("25"))
    client.force_login(finance)
    response = client.post(reverse("quote_reject", args=[quote.pk]), {"comment": ""}, follow=True)
    assert "Say why the discount is refused." in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).approval == "pending"


def test_the_quote_list_filters_by_status_owner_kind_and_period(
    signed_in, company, product, other_account_manager, django_assert_max_num_queries
):
    other = CompanyFactory(owner=other_account_manager)
    for _ in range(30):
        make_quote(company=other, product=product)
    mine = make_quote(company=company, product=product)
    today = timezone.localdate()
    # (8: the page's ids, then its rows: config.pagination.PaginatorByIds; the saved filters.)
    with django_assert_max_num_queries(8):
        response = signed_in.get(reverse("quote_list"))
    assert len(response.context["page"]) == 31
    response = signed_in.get(
        reverse("quote_list"),
        {
            "status": "draft",
            "owner": company.owner_id,
            "kind": "new",
            "created_from": today,
            "created_to": today,
        },  # fmt: skip
    )
    assert list(response.context["page"]) == [mine]
    tomorrow = today + timedelta(days=1)
    assert not signed_in.get(reverse("quote_list"), {"created_from": tomorrow}).context["page"]


def test_the_quote_page_runs_a_fixed_number_of_queries(
    signed_in, company, product, account_manager, django_assert_max_num_queries
):
    quote = make_quote(company=company, product=product)
    for _ in range(5):
        quote = services.revise_quote(quote=services.send_quote(quote=quote, actor=account_manager), actor=account_manager)  # fmt: skip
    # 9, one per model the history names (company, contact, owner, products), and 5 for the
    # notes and follow-ups about it with their two forms: constant
    url = reverse("quote_detail", args=[quote.pk])
    signed_in.get(url)  # content types cached, as in a running process
    with django_assert_max_num_queries(19):
        response = signed_in.get(url)
    assert len(response.context["revisions"]) == 5
    assert "Download PDF" in response.content.decode()


def test_the_quote_page_shows_the_customers_purchase_order_reference(signed_in, company, product):
    quote = make_quote(company=company, product=product, po_reference="PO-2026-0042")
    page = signed_in.get(reverse("quote_detail", args=[quote.pk])).content.decode()
    assert "<dt>PO reference</dt><dd>PO-2026-0042</dd>" in page

    other = make_quote(company=company, product=product)
    assert (
        "PO reference"
        not in signed_in.get(reverse("quote_detail", args=[other.pk])).content.decode()
    )


def test_converting_a_trial_opens_the_drafted_conversion_quote(signed_in, company, product):
    trial = TrialFactory(company=company, product=product, seats=23, ends_on=timezone.localdate() + timedelta(days=3))  # fmt: skip
    response = signed_in.post(reverse("trial_convert", args=[trial.pk]))
    quote = Quote.objects.get(trial=trial)
    assert response.url == reverse("quote_edit", args=[quote.pk])
    assert quote.kind == "trial_conversion" and quote.lines.get().billed_seats == 25
    page = signed_in.get(response.url).content.decode()
    assert "23 requested → 25 billed, blocks of 5" in page


def test_converting_a_cancelled_trial_is_refused_with_a_message(signed_in, company, product):
    trial = TrialFactory(company=company, product=product, status="cancelled")
    response = signed_in.post(reverse("trial_convert", args=[trial.pk]), follow=True)
    assert "only an active trial converts" in response.content.decode()
    assert not Quote.objects.exists()


def active_license(company, product):
    today = timezone.localdate()
    return LicenseFactory(
        company=company,
        product=product,
        seats=20,
        starts_on=today - timedelta(days=182),
        ends_on=today + timedelta(days=182),  # fmt: skip
    )


def test_adding_seats_shows_the_proration_then_drafts_an_expansion(signed_in, company, product):
    license = active_license(company, product)
    url = reverse("license_add_seats", args=[license.pk])
    data = {"seats": 8, "effective_on": timezone.localdate().isoformat()}
    page = signed_in.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert "8 requested → 10 billed, blocks of 5" in page
    assert "Prorated to the license end: 50.1% of the term left" in page
    response = signed_in.post(url, data)
    quote = Quote.objects.get(license=license)
    assert response.url == reverse("quote_detail", args=[quote.pk])
    assert quote.kind == "expansion" and quote.total == Decimal("200.55")
    builder = signed_in.get(reverse("quote_edit", args=[quote.pk])).content.decode()
    assert "Prorated to the license end" in builder and 'name="term_months"' not in builder


def test_adding_seats_from_a_date_outside_the_term_is_refused_next_to_the_field(
    signed_in, company, product
):
    license = active_license(company, product)
    url = reverse("license_add_seats", args=[license.pk])
    response = signed_in.post(url, {"seats": 5, "effective_on": "2001-01-01"})
    assert 'id="id_effective_on-errors"' in response.content.decode()
    assert not Quote.objects.exists()


def test_drafting_a_renewal_opens_the_quote_for_the_next_term(signed_in, company, product):
    license = active_license(company, product)
    response = signed_in.post(reverse("license_renew", args=[license.pk]))
    quote = Quote.objects.get(license=license)
    assert response.url == reverse("quote_edit", args=[quote.pk])
    assert quote.kind == "renewal" and quote.starts_on == license.ends_on + timedelta(days=1)


def test_the_account_managers_home_lists_their_work(
    signed_in, company, product, account_manager, django_assert_max_num_queries
):
    today = timezone.localdate()
    services.send_quote(quote=make_quote(company=company, product=product), actor=account_manager)
    TrialFactory(company=company, product=product, starts_on=today, ends_on=today + timedelta(days=3))  # fmt: skip
    LicenseFactory(company=company, product=product, starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=60))  # fmt: skip
    for _ in range(15):
        CompanyFactory(owner=account_manager, employee_count=500)
    snapshot.refresh(owner_id=account_manager.pk)  # the book's snapshot, as beat stores it
    # 10 (the usage lists ranked in the snapshot: no usage reported, no rows to read), 3 for
    # "needs a next step", 4 for "my follow-ups" and the content types of trials, licenses
    # and quotes (cached by a running process).
    with django_assert_max_num_queries(20):
        response = signed_in.get(reverse("home"))
    lists = response.context["manager"]
    assert [len(lists[name]) for name in ("open_quotes", "ending_trials", "due_renewals")] == [
        1,
        1,
        1,
    ]
    assert len(lists["low_penetration"]) == 10
    assert "finance" not in response.context


def test_finances_home_sums_the_quotes_sent_and_accepted_this_month(
    client, finance, company, product, account_manager
):
    for _ in range(2):
        quote = services.send_quote(quote=make_quote(company=company, product=product), actor=account_manager)  # fmt: skip
    services.accept_quote(quote=quote, actor=account_manager)
    client.force_login(finance)
    page = client.get(reverse("home")).content.decode()
    assert "Quotes sent: 2 for 1,750.00 EUR" in page
    assert "Quotes accepted: 1 for 875.00 EUR" in page
    assert reverse("finance_exports") in page


def test_supports_home_points_to_the_onboarding_board(client, support):
    client.force_login(support)
    response = client.get(reverse("home"))
    assert reverse("onboarding_board") in response.content.decode()
    assert "manager" not in response.context and "finance" not in response.context


def test_a_new_quote_starts_by_choosing_one_of_ones_own_companies(
    signed_in, company, other_account_manager
):
    CompanyFactory(owner=other_account_manager, name="Not mine")
    page = signed_in.get(reverse("quote_create")).content.decode()
    assert f'<option value="{company.pk}">{company.name}</option>' in page
    assert "Not mine" not in page
