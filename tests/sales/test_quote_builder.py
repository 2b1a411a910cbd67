"""The quote builder's lines without a save (add, remove, move, each product offered once),
a discount's justification and approval emails, and the reasons a quote is lost."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboxMessage
from accounts.roles import Role, can
from sales import metrics, services
from sales.approval_emails import _build
from sales.models import Quote
from tests.accounts.factories import UserFactory
from tests.licensing.factories import ProductFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


def posted(company, lines, **fields):
    """What the builder posts: the quote's fields and `lines` as (product, seats)."""
    data = {
        "contact": company.contacts.get().pk,
        "term_months": 12,
        "starts_on": timezone.localdate().isoformat(),
        "discount_percent": "0",
        "tax_percent": "0",
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": 0,
    }
    for number, (product, seats) in enumerate(lines):
        data[f"lines-{number}-product"] = product.pk if product else ""
        data[f"lines-{number}-requested_seats"] = seats
    return {**data, **fields}


def change(client, company, lines, op, **fields):
    url = reverse("quote_create") + f"?company={company.pk}"
    return client.post(url, posted(company, lines, line_op=op, **fields), HTTP_HX_REQUEST="true")


@pytest.fixture
def products():
    return [
        ProductFactory(name=name, seat_block_size=5, tiers=[(1, Decimal("10.00"))])
        for name in ("Alpha", "Bravo", "Charlie")
    ]


def test_adding_a_line_saves_nothing_and_keeps_the_lines_typed(signed_in, company, products):
    response = change(signed_in, company, [(products[0], 7)], "add")
    formset = response.context["formset"]
    assert [form["product"].value() for form in formset] == [str(products[0].pk), ""]
    assert formset.management_form["TOTAL_FORMS"].value() == "2"
    assert response.context["focus"] == "id_lines-1-product"
    page = response.content.decode()
    assert "<html" not in page and 'hx-swap-oob="innerHTML"' in page  # lines, then the price
    assert "100.00 EUR" in page  # 10 billed x 10.00
    assert not Quote.objects.exists()


def test_removing_and_moving_lines_reorders_them_and_reprices(signed_in, company, products):
    lines = [(products[0], 5), (products[1], 10), (products[2], 15)]
    moved = change(signed_in, company, lines, "up-2").context["formset"]
    assert [form["product"].value() for form in moved] == [
        str(products[0].pk),
        str(products[2].pk),
        str(products[1].pk),
    ]
    removed = change(signed_in, company, lines, "remove-0")
    assert [form["requested_seats"].value() for form in removed.context["formset"]] == ["10", "15"]
    assert removed.context["price"].totals.total == Decimal("250.00")
    assert not Quote.objects.exists()


def test_a_product_on_one_line_is_not_offered_on_another(signed_in, company, products):
    response = change(signed_in, company, [(products[0], 5), (None, "")], "add")
    first, second, third = response.context["formset"]
    offered = [[key for key, _ in form.fields["product"].choices] for form in (first, second)]
    assert str(products[0].pk) in offered[0] and str(products[0].pk) not in offered[1]
    assert {str(p.pk) for p in products[1:]} <= set(offered[1])


def test_choosing_a_product_updates_only_the_other_lines_choices(signed_in, company, products):
    lines = [(products[0], 5), (products[1], 5)]
    page = change(signed_in, company, lines, "offer-1").content.decode()
    assert 'id="line-0-product"' in page and 'id="line-1-product"' not in page
    assert f'value="{products[1].pk}"' not in page  # line 1 holds it: line 0 no longer offers it


def test_a_product_twice_on_a_hand_made_post_is_refused(signed_in, company, products):
    url = reverse("quote_create") + f"?company={company.pk}"
    page = signed_in.post(url, posted(company, [(products[0], 5), (products[0], 5)]))
    assert "is already on line 1" in page.content.decode()
    assert not Quote.objects.exists()


def test_a_line_dragged_to_the_top_is_first_and_the_price_follows(signed_in, company, products):
    lines = [(products[0], 5), (products[1], 10), (products[2], 15)]
    response = change(signed_in, company, lines, "move-2-0")
    formset = response.context["formset"]
    assert [form["product"].value() for form in formset] == [
        str(products[2].pk),
        str(products[0].pk),
        str(products[1].pk),
    ]
    assert [line.product for line in response.context["price"].lines] == [
        products[2],
        products[0],
        products[1],
    ]
    assert response.context["focus"] == "id_lines-0-product"
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    "op", ["sideways-1", "remove-9", "add-", "remove", "move-0-9", "move-9-0", "move-1"]
)
def test_a_malformed_change_to_the_lines_is_a_bad_request(signed_in, company, products, op):
    response = change(signed_in, company, [(products[0], 5)], op)
    assert response.status_code == 400


def test_changing_the_lines_takes_the_same_queries_for_2_or_20_lines(
    signed_in, company, django_assert_max_num_queries
):
    many = [ProductFactory(seat_block_size=5, tiers=[(1, Decimal("10.00"))]) for _ in range(20)]
    with django_assert_max_num_queries(20) as two:
        change(signed_in, company, [(product, 5) for product in many[:2]], "add")
    with django_assert_max_num_queries(len(two.captured_queries)):
        change(signed_in, company, [(product, 5) for product in many], "add")


# A discount's justification and approval emails


def test_a_discount_needing_approval_needs_a_justification(company, product, account_manager):
    with pytest.raises(ValidationError) as refused:
        make_quote(company=company, product=product, discount_percent=Decimal("30"), discount_justification=" ")  # fmt: skip
    assert "discount_justification" in refused.value.message_dict
    assert not Quote.objects.exists()


def test_finance_and_the_owner_are_emailed_at_each_step_of_an_approval(
    company, product, account_manager, finance
):
    quote = make_quote(company=company, product=product, discount_percent=Decimal("30"))
    asked = OutboxMessage.objects.filter(kind="discount_approval_requested")
    assert {(m.recipient, m.audience) for m in asked.all()} == {
        (finance.email, "approver"),
        (account_manager.email, "owner"),
    }
    # An edit while it waits asks no one again.
    services.update_quote(quote=quote, actor=account_manager, lines=None, notes="More")
    assert asked.count() == 2
    services.reject_quote(quote=quote, actor=finance, comment="Too much")
    refused = OutboxMessage.objects.filter(kind="discount_refused")
    assert {m.recipient for m in refused} == {finance.email, account_manager.email}
    services.update_quote(quote=quote, actor=account_manager, discount_percent=Decimal("20"))
    assert asked.count() == 4  # asked again after the change
    services.approve_quote(quote=quote, actor=finance)
    approved = OutboxMessage.objects.get(kind="discount_approved", audience="owner")
    body = _build(approved).body
    assert "was approved by" in body and "You may send the quote now." in body
    # The request answered meanwhile is no longer sent.
    assert _build(asked.first()) is None


def deliver_twice(messages) -> None:
    """Send each message as a worker would, then again as a retry or a second worker would."""
    for _ in range(2):
        for message in messages:
            outbox.deliver(message_id=message.pk)


def test_everyone_who_may_approve_is_asked_and_each_step_reaches_each_person_once(
    company, product, account_manager, finance, admin, support, mailoutbox
):
    UserFactory(username="gone", role=Role.FINANCE, is_active=False)
    quote = make_quote(company=company, product=product, discount_percent=Decimal("30"))
    asked = OutboxMessage.objects.filter(kind="discount_approval_requested")
    may_approve = {
        user.email
        for user in get_user_model().objects.filter(is_active=True)
        if can(user, "approve_quote")
    }
    assert may_approve == {finance.email, admin.email}
    assert {(m.recipient, m.audience) for m in asked} == {
        (finance.email, "approver"),
        (admin.email, "approver"),
        (account_manager.email, "owner"),
    }
    deliver_twice(asked)
    assert sorted(email.to[0] for email in mailoutbox) == sorted(
        [finance.email, admin.email, account_manager.email]
    )

    mailoutbox.clear()
    services.approve_quote(quote=quote, actor=admin)
    # A second answer is refused: nothing more is queued.
    with pytest.raises(ValidationError):
        services.reject_quote(quote=quote, actor=finance, comment="Too late")
    decided = OutboxMessage.objects.filter(kind__in=["discount_approved", "discount_refused"])
    deliver_twice(decided)
    assert sorted((email.to[0], email.subject) for email in mailoutbox) == sorted(
        (email, f"Discount approved: {quote.reference}")
        for email in (admin.email, account_manager.email)
    )


def test_the_approval_queue_shows_the_justification_the_discount_and_the_list_price(
    client, company, product, finance, django_assert_max_num_queries
):
    for _ in range(3):
        make_quote(company=company, product=product, discount_percent=Decimal("20"))
    client.force_login(finance)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("approval_queue")).content.decode()
    # 23 seats -> 25 billed x 35.00 = 875.00 list; 20% = 175.00 off; 700.00 net = 80.0% of list.
    assert "Matches the competitor&#x27;s offer" in page
    assert "20% = 175.00 EUR" in page and "875.00 EUR" in page and "80.0%" in page


# Why we lose


@pytest.fixture
def sent(company, product, account_manager):
    def sent(**fields):
        return services.send_quote(
            quote=make_quote(company=company, product=product, **fields), actor=account_manager
        )

    return sent


def test_declining_keeps_the_reason_and_the_words(sent, account_manager):
    quote = services.decline_quote(
        quote=sent(), actor=account_manager, reason_code="competitor", reason=" Went with X "
    )
    quote.refresh_from_db()
    assert (quote.decline_reason_code, quote.decline_reason) == ("competitor", "Went with X")


@pytest.mark.parametrize(
    ("reason_code", "reason", "field"),
    [("cheaper", "", "reason_code"), ("other", "  ", "reason")],
)
def test_an_unknown_reason_or_other_without_words_is_refused(
    sent, account_manager, reason_code, reason, field
):
    quote = sent()
    with pytest.raises(ValidationError) as refused:
        services.decline_quote(
            quote=quote, actor=account_manager, reason_code=reason_code, reason=reason
        )
    assert field in refused.value.message_dict
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT


def test_marking_declined_in_the_browser_asks_for_a_reason(signed_in, sent):
    quote = sent()
    url = reverse("quote_decline", args=[quote.pk])
    page = signed_in.post(url, {"reason": "No"}, follow=True).content.decode()
    assert "Choose the main reason." in page
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT
    signed_in.post(url, {"reason_code": "no_budget"})
    quote.refresh_from_db()
    assert (quote.status, quote.decline_reason_code) == ("declined", "no_budget")


def test_why_we_lose_counts_the_declined_quotes_by_reason(sent, account_manager):
    for code in ("price", "price", "timing", ""):
        services.decline_quote(quote=sent(), actor=account_manager, reason_code=code)
    services.accept_quote(quote=sent(), actor=account_manager)
    today = timezone.localdate()
    scope = metrics.Scope(start=today - timedelta(days=30), end=today, owner_id=None, today=today)
    reasons = metrics.dashboard(scope)["lost_reasons"]
    assert [(each.label, each.quotes, each.value) for each in reasons] == [
        ("Price", 2, Decimal("1750.00")),
        ("Timing", 1, Decimal("875.00")),
        ("Not given", 1, Decimal("875.00")),
    ]


def test_an_expired_quote_marked_lost_later_counts_by_its_reason_when_it_expired(
    sent, account_manager, signed_in
):
    quote = sent()
    today = timezone.localdate()
    Quote.objects.filter(pk=quote.pk).update(valid_until=today - timedelta(days=40))
    expired_at = timezone.now() - timedelta(days=35)
    services.expire_quote(quote=quote, now=expired_at)
    page = signed_in.get(reverse("quote_detail", args=[quote.pk])).content.decode()
    assert "Why was it lost?" in page and "Mark lost" in page

    signed_in.post(reverse("quote_decline", args=[quote.pk]), {"reason_code": "timing"})
    quote.refresh_from_db()
    assert (quote.status, quote.decline_reason_code) == ("declined", "timing")
    assert quote.expired_at == expired_at
    assert quote.company.activities.filter(message__contains="marked lost after it expired")

    def lost_in(start, end):
        scope = metrics.Scope(start=start, end=end, owner_id=None, today=today)
        return [(each.label, each.quotes) for each in metrics.dashboard(scope)["lost_reasons"]]

    assert lost_in(today - timedelta(days=60), today - timedelta(days=31)) == [("Timing", 1)]
    assert lost_in(today - timedelta(days=30), today) == []
    with pytest.raises(ValidationError):  # once lost, it stays lost
        services.decline_quote(quote=quote, actor=account_manager, reason_code="price")


def test_the_metrics_api_lists_why_we_lose(client, sent, account_manager, finance):
    services.decline_quote(quote=sent(), actor=account_manager, reason_code="no_budget")
    client.force_login(finance)
    today = timezone.localdate()
    query = {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}
    body = client.get("/api/v1/metrics/", query).json()
    assert body["lost_reasons"] == [
        {"reason": "no_budget", "label": "No budget", "quotes": 1, "value": "875.00"}
    ]


def test_a_saved_draft_opens_with_its_products_chosen(signed_in, company, products):
    quote = make_quote(company=company, product=products[1], seats=5)
    page = signed_in.get(reverse("quote_edit", args=[quote.pk])).content.decode()
    assert f'<option value="{products[1].pk}" selected>' in page
