from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity, Company
from accounts.roles import Role
from accounts.services import create_follow_up, log_activity
from licensing import services as licensing
from licensing.models import License, Trial
from licensing.reminders import record_due_reminders
from sales import services
from sales.models import Quote, QuoteNumberSequence
from sales.services import portal
from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory, make_api_token
from tests.licensing.factories import ProductFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db

ROWS = 4


@pytest.fixture
def records(account_manager):
    """ROWS of every kind of record (one number sequence), made through the services."""
    today = timezone.localdate()
    for number in range(ROWS):
        product = ProductFactory(tiers=[(1, Decimal("40.00")), (25, Decimal("35.00"))])
        company = CompanyFactory(owner=account_manager)
        contact = ContactFactory(company=company, is_primary=True)
        UserFactory(username=f"support{number}", role=Role.SUPPORT)  # a role change each
        log_activity(company=company, kind="call", summary="Intro call", contact=contact,
                     actor=account_manager)  # fmt: skip
        create_follow_up(company=company, title="Call back", due_on=today, contact=contact,
                         assignee=account_manager, actor=account_manager)  # fmt: skip
        # Another product: a license of the product on trial would convert the trial.
        licensing.start_trial(
            company=company, product=ProductFactory(), seats=10, actor=account_manager
        )
        license = licensing.create_license(
            company=company,
            product=product,
            seats=20,
            unit_price=Decimal("40.00"),
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=334),
            actor=account_manager,
        )
        licensing.add_seats(
            license=license,
            seats=5,
            effective_on=today,
            prorated_amount=Decimal("10.00"),
            actor=account_manager,
        )
        # New business is for a product the company does not hold yet.
        quoted = ProductFactory(tiers=[(1, Decimal("40.00"))])
        make_quote(company=company, product=quoted, seats=5 + number)
        make_api_token(account_manager, name=f"script {number}")
        services.send_quote(
            quote=make_quote(company=company, product=quoted), actor=account_manager
        )
        # Another, accepted online (with a question first): stays a sent one of each kind.
        sent = services.send_quote(
            quote=make_quote(company=company, product=quoted), actor=account_manager
        )
        link = sent.links.get()
        portal.ask_question(link=link, message="Can we pay monthly?")
        portal.accept_online(
            link=link,
            name="Ana Lima",
            title="CFO",
            authorised=True,
            signature="Ana Lima",
            shown_sha256=portal.document_sha256(sent),
            ip_address="192.0.2.1",
            user_agent="Firefox",
        )
    # Each 30-day trial's 7-days-before reminder falls due in 22 days.
    record_due_reminders(today=today + timedelta(days=22))


def admin_models():
    """The admins of the domain apps (Django's and the onboarding app's are tested elsewhere)."""
    return sorted(
        (
            (model, model_admin)
            for model, model_admin in django_admin.site._registry.items()
            if model._meta.app_label in ("accounts", "licensing", "sales")
        ),
        key=lambda item: item[0].__name__,
    )


def url_of(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_changelist_answers_with_a_constant_number_of_queries(
    client, admin, records, django_assert_max_num_queries
):
    client.force_login(admin)
    for model, _ in admin_models():
        assert model.objects.count() >= (1 if model is QuoteNumberSequence else ROWS), model
        # Session, user, the page's rows, its count, filters and date hierarchy: never per row.
        with django_assert_max_num_queries(12):
            response = client.get(url_of(model, "changelist"))
        assert response.status_code == 200, model


def test_every_add_and_change_page_answers_for_an_administrator(client, admin, records):
    client.force_login(admin)
    for model, model_admin in admin_models():
        request = type("Request", (), {"user": admin})()
        expected_add = 200 if model_admin.has_add_permission(request) else 403
        assert client.get(url_of(model, "add")).status_code == expected_add, model
        obj = model.objects.first()
        assert client.get(url_of(model, "change", obj.pk)).status_code == 200, model


def test_the_activity_timeline_and_number_sequence_are_read_only(client, admin, records):
    client.force_login(admin)
    for model in (Activity, QuoteNumberSequence):
        response = client.get(url_of(model, "change", model.objects.first().pk))
        assert b'name="_save"' not in response.content


def test_a_sent_quote_cannot_be_edited_in_the_admin(client, admin, records):
    client.force_login(admin)
    quote = Quote.objects.filter(status=Quote.Status.SENT).first()
    page = client.get(url_of(Quote, "change", quote.pk))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = client.post(
        url_of(Quote, "change", quote.pk),
        {"discount_percent": "50", "notes": "Changed after sending", "lines-TOTAL_FORMS": "0"},
    )
    assert response.status_code == 403
    quote.refresh_from_db()
    assert quote.discount_percent == 0 and quote.notes == ""


def line_forms(*lines, initial=0):
    data = {
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        data.update({f"lines-{index}-{name}": value for name, value in line.items()})
    return data


def test_a_quote_added_in_the_admin_is_priced_by_the_service(client, admin, company, product):
    client.force_login(admin)
    contact = company.contacts.get()
    response = client.post(
        url_of(Quote, "add"),
        {
            "company": company.pk,
            "kind": Quote.Kind.NEW,
            "contact": contact.pk,
            "term_months": 12,
            "starts_on": timezone.localdate().isoformat(),
            "discount_percent": "0",
            "tax_percent": "20",
            **line_forms({"product": product.pk, "requested_seats": 23}),
        },
    )
    assert response.status_code == 302
    quote = Quote.objects.get()
    line = quote.lines.get()
    assert (line.billed_seats, line.unit_price) == (25, Decimal("35.00"))
    assert (quote.owner, quote.total) == (company.owner, Decimal("1050.00"))


def test_editing_a_draft_in_the_admin_reprices_it_and_asks_for_approval(
    client, admin, company, product
):
    client.force_login(admin)
    quote = make_quote(company=company, product=product, seats=10)
    line = quote.lines.get()
    response = client.post(
        url_of(Quote, "change", quote.pk),
        {
            "contact": quote.contact_id,
            "term_months": 12,
            "starts_on": quote.starts_on.isoformat(),
            "discount_percent": "20",
            "discount_justification": "Matches the competitor's offer",
            "tax_percent": "0",
            **line_forms(
                {"id": line.pk, "quote": quote.pk, "product": product.pk, "requested_seats": 30},
                initial=1,
            ),
        },
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.lines.get().billed_seats == 30
    assert quote.approval == Quote.Approval.PENDING


def test_expiring_trials_in_the_admin_goes_through_the_service(client, admin, company, product):
    today = timezone.localdate()
    ended = licensing.start_trial(
        company=company,
        product=product,
        seats=5,
        actor=None,
        starts_on=today - timedelta(days=40),
        days=30,
    )
    running = licensing.start_trial(company=company, product=product, seats=5, actor=None)
    client.force_login(admin)
    response = client.post(
        url_of(Trial, "changelist"),
        {"action": "expire", "_selected_action": [ended.pk, running.pk]},
        follow=True,
    )
    assert "1 trials expired" in response.content.decode()
    assert "it has not expired" in response.content.decode()
    assert Trial.objects.get(pk=ended.pk).status == Trial.Status.EXPIRED
    assert Trial.objects.get(pk=running.pk).status == Trial.Status.ACTIVE
    assert Activity.objects.filter(message__contains="expired").count() == 1


def test_a_license_added_in_the_admin_starts_through_the_service(client, admin, company, product):
    client.force_login(admin)
    today = timezone.localdate()
    response = client.post(
        url_of(License, "add"),
        {
            "company": company.pk,
            "product": product.pk,
            "seats": 20,
            "unit_price": "35.00",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=364)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert company.licenses.get().seats == 20
    assert company.activities.filter(kind=Activity.Kind.LICENSE).exists()


def test_a_big_discount_is_approved_then_sent_from_the_admin_through_the_services(
    client, admin, company, product
):
    quote = make_quote(company=company, product=product, discount_percent=Decimal("20"))
    client.force_login(admin)

    def run(action):
        response = client.post(
            url_of(Quote, "changelist"),
            {"action": action, "_selected_action": [quote.pk]},
            follow=True,
        )
        quote.refresh_from_db()
        return response.content.decode()

    assert "needs approval by Finance" in run("send")
    assert quote.status == Quote.Status.DRAFT and quote.number == ""
    assert "1 discounts approved" in run("approve")
    assert quote.approval == Quote.Approval.APPROVED and quote.approved_by == admin
    assert "1 quotes sent" in run("send")
    assert quote.status == Quote.Status.SENT and quote.number.startswith("Q-")


def test_finance_keeps_the_price_book_in_the_admin_and_nothing_else(client, finance, product):
    finance.is_staff = True
    finance.save()
    client.force_login(finance)
    assert client.get(url_of(type(product), "change", product.pk)).status_code == 200
    assert client.get(url_of(Quote, "changelist")).status_code == 403
    assert client.get(url_of(License, "changelist")).status_code == 403


def test_a_company_added_in_the_admin_is_saved_by_the_service_with_its_contacts(
    client, admin, account_manager
):
    client.force_login(admin)
    contact = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@analytical.example",
        "is_primary": "on",
    }
    response = client.post(
        url_of(Company, "add"),
        {
            "name": "Analytical Engines",
            "industry": "software",
            "country": "GB",
            "employee_count": 120,
            "target_seats": 80,
            "owner": account_manager.pk,
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            **{f"contacts-0-{name}": value for name, value in contact.items()},
        },
    )
    assert response.status_code == 302
    company = Company.objects.get(name="Analytical Engines")
    assert company.contacts.get().is_primary
    assert company.activities.get().message == "Company created"
