"""Lists and searches that stay flat at 100,000 companies: one search (a word of a company's
name, a contact's name or email, a quote number) on every path, counts capped instead of
counting every row, pages past the cap still reachable, a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.admin import LargeListAdmin
from accounts.forms import CompanyFilterForm
from accounts.models import Company, Contact, OutboxMessage, starts_with
from config.pagination import CappedPaginator, PaginatorByIds
from onboarding.models import Task
from sales.models import Quote
from tests.accounts.factories import CompanyFactory, ContactFactory, make_api_token
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote


@pytest.fixture
def searchable(account_manager, product):
    """Three companies, each findable by one kind of term only, and a quote with a number."""
    by_name = CompanyFactory(name="Granite Partners", domain="gp.example", owner=account_manager)
    by_contact = CompanyFactory(name="Harbor Labs", domain="hl.example", owner=account_manager)
    ContactFactory(
        company=by_contact, first_name="Ada", last_name="Lovelace", email="ada@hl.example"
    )
    by_quote = CompanyFactory(name="Summit Works", domain="sw.example", owner=account_manager)
    quote = make_quote(company=by_quote, product=product)
    Quote.objects.filter(pk=quote.pk).update(number="Q-2026-04217")
    for n in range(3):
        CompanyFactory(name=f"Other {n}", domain=f"o{n}.example", owner=account_manager)
    return {"name": by_name, "contact": by_contact, "quote": quote}


@pytest.fixture
def api(admin):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_api_token(admin)}")
    return client


TERMS = [
    ("granite", "name"),  # a word of the name, any case
    ("Lovelace", "contact"),  # a contact's last name
    ("ada lovelace", "contact"),  # a contact's full name
    ("ada@hl", "contact"),  # part of a contact's email
]


@pytest.mark.parametrize(("term", "expected"), TERMS)
def test_the_company_list_finds_a_company_by_name_word_contact_name_or_email(
    client, account_manager, searchable, term, expected
):
    client.force_login(account_manager)

    response = client.get(reverse("company_list"), {"q": term})

    assert [c.name for c in response.context["page"]] == [searchable[expected].name]
    assert "1 company" in response.content.decode()


@pytest.mark.parametrize(("term", "expected"), TERMS)
def test_the_api_and_the_admin_search_companies_the_same_way(
    client, api, admin, searchable, term, expected
):
    response = api.get("/api/v1/companies/", {"search": term})
    assert [c["name"] for c in response.json()["results"]] == [searchable[expected].name]

    client.force_login(admin)
    response = client.get("/admin/accounts/company/", {"q": term})
    assert [c.name for c in response.context["cl"].result_list] == [searchable[expected].name]


def test_the_header_search_finds_contacts_by_full_name_or_email_and_quotes_by_number(
    client, admin, searchable
):
    client.force_login(admin)

    by_name = client.get("/search/", {"q": "Ada Lovelace"}).context
    by_email = client.get("/search/", {"q": "ADA@HL"}).context
    by_number = client.get("/search/", {"q": "2026-04217"}).context

    assert [c.last_name for c in by_name["contacts"]] == ["Lovelace"]
    assert [c.last_name for c in by_email["contacts"]] == ["Lovelace"]
    assert [q.pk for q in by_number["quotes"]] == [searchable["quote"].pk]


def test_the_quote_api_finds_a_quote_by_number_or_by_its_company(api, searchable):
    client = api

    by_number = client.get("/api/v1/quotes/", {"search": "04217"}).json()["results"]
    by_company = client.get("/api/v1/quotes/", {"search": "summit"}).json()["results"]
    by_nothing = client.get("/api/v1/quotes/", {"search": "granite"}).json()["results"]

    assert [q["id"] for q in by_number] == [searchable["quote"].pk]
    assert [q["id"] for q in by_company] == [searchable["quote"].pk]
    assert by_nothing == []


def test_the_contact_api_finds_by_name_and_email(api, searchable):
    results = api.get("/api/v1/contacts/", {"search": "lovelace ada@"}).json()

    assert [c["email"] for c in results["results"]] == ["ada@hl.example"]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("LOVE", True),  # a piece of the last name, any case
        ("ada lace", True),  # each word inside one of the name or the email
        ("hl.example", True),  # a piece of the email
        ("lovelaceada", False),  # a word does not run from one field into the next
        ("ada babbage", False),  # every word must match
    ],
)
def test_a_contact_search_matches_each_word_inside_a_name_or_the_email(
    api, searchable, term, found
):
    results = api.get("/api/v1/contacts/", {"search": term}).json()["results"]

    assert [c["last_name"] for c in results] == (["Lovelace"] if found else [])


# A search answers its first SEARCH_LIMIT matches, sorted in the list's order.


@pytest.fixture
def five_tanakas(searchable):
    company = searchable["contact"]
    firsts = ["Yuki", "aiko", "Ren", "Hana", "kenji"]
    return [
        ContactFactory(company=company, first_name=first, last_name="Tanaka") for first in firsts
    ]


def test_a_contact_search_answers_all_its_matches_below_the_limit_in_name_order(api, five_tanakas):
    body = api.get("/api/v1/contacts/", {"search": "tanaka"}).json()

    assert body["count"] == 5
    assert [c["first_name"] for c in body["results"]] == ["aiko", "Hana", "kenji", "Ren", "Yuki"]


def test_a_search_over_the_limit_answers_that_many_matches_in_the_lists_order(
    api, five_tanakas, monkeypatch
):
    monkeypatch.setattr("config.pagination.SEARCH_LIMIT", 3)

    body = api.get("/api/v1/contacts/", {"search": "tanaka", "page_size": 2}).json()
    rest = api.get(body["next"]).json()

    assert body["count"] == 3 and rest["next"] is None
    names = [c["first_name"] for c in body["results"] + rest["results"]]
    assert len(set(names)) == 3 and set(names) <= {c.first_name for c in five_tanakas}
    assert names == sorted(names, key=str.lower)
    by_email = api.get("/api/v1/contacts/", {"search": "tanaka", "ordering": "-email"}).json()
    emails = [c["email"] for c in by_email["results"]]
    assert len(emails) == 3 and emails == sorted(emails, reverse=True)  # ?ordering= still sorts


def test_the_admin_search_answers_the_same_first_matches(client, admin, five_tanakas, monkeypatch):
    monkeypatch.setattr("config.pagination.SEARCH_LIMIT", 3)
    client.force_login(admin)

    response = client.get("/admin/accounts/contact/", {"q": "tanaka"})

    assert [c.last_name for c in response.context["cl"].result_list] == ["Tanaka"] * 3


def test_the_admins_company_picker_finds_companies_through_the_same_search(
    client, admin, searchable
):
    client.force_login(admin)
    query = {"app_label": "accounts", "model_name": "contact", "field_name": "company"}

    response = client.get("/admin/autocomplete/", {**query, "term": "lovelace"})

    assert [row["text"] for row in response.json()["results"]] == ["Harbor Labs"]


@pytest.mark.parametrize(
    ("path", "factory"), [("licenses", LicenseFactory), ("trials", TrialFactory)]
)
def test_a_license_or_trial_search_over_the_limit_answers_that_many_by_end_date(
    api, searchable, product, path, factory, monkeypatch
):
    monkeypatch.setattr("config.pagination.SEARCH_LIMIT", 2)
    for days in (30, 10, 20):
        factory(
            company=searchable["name"],
            product=product,
            ends_on=timezone.localdate() + timedelta(days=days),
        )

    body = api.get(f"/api/v1/{path}/", {"search": "granite"}).json()

    ends = [row["ends_on"] for row in body["results"]]
    assert body["count"] == 2 and ends == sorted(ends)


# Counting: capped, never every row.


@pytest.fixture
def twelve_companies(account_manager):
    return [CompanyFactory(name=f"Company {n:02d}", owner=account_manager) for n in range(12)]


def test_below_the_cap_the_count_and_the_pages_are_exact(twelve_companies):
    paginator = CappedPaginator(Company.objects.order_by("name"), 5)

    assert (paginator.count, paginator.is_capped, paginator.count_label) == (12, False, "12")
    assert paginator.num_pages == 3
    assert not paginator.get_page("last").has_next()


def test_above_the_cap_the_count_stops_and_no_query_counts_every_row(twelve_companies):
    paginator = CappedPaginator(Company.objects.order_by("name"), 5)
    paginator.cap = 7

    with CaptureQueriesContext(connection) as queries:
        count = paginator.count

    assert (count, paginator.is_capped, paginator.count_label) == (7, True, "more than 7")
    assert "LIMIT 8" in queries[0]["sql"]
    assert paginator.num_pages == 2  # "last" is the last page within the cap


def test_pages_past_the_cap_are_served_until_the_rows_end(twelve_companies):
    paginator = CappedPaginator(Company.objects.order_by("name"), 5)
    paginator.cap = 7

    second, third = paginator.page(2), paginator.page(3)

    assert second.has_next() and [c.name for c in third] == ["Company 10", "Company 11"]
    assert not third.has_next()
    assert third.end_index() == 12
    assert paginator.get_page(4).number == 2  # beyond the rows: the last page within the cap


def test_the_company_list_says_more_than_the_cap_and_its_last_page_works(
    client, account_manager, twelve_companies, monkeypatch
):
    monkeypatch.setattr(CappedPaginator, "cap", 7)
    monkeypatch.setattr("accounts.views.COMPANIES_PER_PAGE", 5)
    client.force_login(account_manager)

    first = client.get(reverse("company_list"))
    last = client.get(reverse("company_list"), {"page": "last"})
    beyond = client.get(reverse("company_list"), {"page": 3})
    far_beyond = client.get(reverse("company_list"), {"page": 99})

    assert "More than 7 companies" in first.content.decode()
    assert "Page 1 of more than 2" in first.content.decode()
    assert last.context["page"].number == 2
    assert [c.name for c in beyond.context["page"]] == ["Company 10", "Company 11"]
    assert far_beyond.context["page"].number == 2


def test_the_api_counts_up_to_the_cap_and_next_links_reach_every_row(
    api, twelve_companies, monkeypatch
):
    monkeypatch.setattr(CappedPaginator, "cap", 7)
    client = api

    url, names, counts = "/api/v1/companies/?page_size=5", [], set()
    while url:
        body = client.get(url).json()
        names += [c["name"] for c in body["results"]]
        counts.add(body["count"])
        url = body["next"]

    assert names == [f"Company {n:02d}" for n in range(12)]
    assert counts == {7}
    assert client.get("/api/v1/companies/", {"page": "last", "page_size": 5}).status_code == 200
    assert client.get("/api/v1/companies/", {"page": 4, "page_size": 5}).status_code == 404


def test_the_admin_changelist_counts_up_to_the_cap(client, admin, twelve_companies, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 7)
    client.force_login(admin)

    response = client.get("/admin/accounts/company/")

    assert response.context["cl"].result_count == 7
    assert response.context["cl"].full_result_count is None  # show_full_result_count off


def test_a_sort_on_seats_over_too_many_companies_asks_to_narrow_the_list(
    client, account_manager, twelve_companies, monkeypatch
):
    monkeypatch.setattr(CompanyFilterForm, "MOST_SORTED_ON_FIGURES", 5)
    client.force_login(account_manager)

    everyone = client.get(reverse("company_list"), {"sort": "-value"})
    narrowed = client.get(reverse("company_list"), {"sort": "-value", "q": "Company 1"})

    assert "sorts at most 5 companies" in everyone.content.decode()
    assert [c.name for c in everyone.context["page"]][:2] == ["Company 00", "Company 01"]
    assert "sorts at most" not in narrowed.content.decode()


# Queries: the same number with 3 rows and with 30.

PAGES = [
    ("account_manager", "/companies/", {}),
    ("account_manager", "/companies/", {"q": "company", "sort": "penetration"}),
    ("account_manager", "/search/", {"q": "company"}),
    ("account_manager", "/quotes/", {}),
    ("account_manager", "/licenses/", {}),
    ("account_manager", "/trials/", {}),
    ("account_manager", "/companies/", {"sort": "-utilisation", "utilisation": "low"}),
    ("account_manager", "/quotes/", {"sort": "-total"}),
    ("account_manager", "/trials/", {"sort": "company", "ending": 60}),
    ("account_manager", "/licenses/", {"sort": "utilisation", "due": 365, "owner": ""}),
    ("admin", "/admin/accounts/company/", {}),
    ("admin", "/admin/accounts/company/", {"q": "company"}),
    ("admin", "/admin/accounts/contact/", {}),
    ("admin", "/admin/sales/quote/", {}),
    ("admin", "/admin/licensing/license/", {}),
    ("admin", "/admin/licensing/trial/", {}),
]


def _grow(owner, product, count: int) -> None:
    for _ in range(count):
        company = CompanyFactory(owner=owner)
        ContactFactory(company=company, is_primary=True)
        LicenseFactory(company=company, product=product)
        TrialFactory(company=company, product=product)
        make_quote(company=company, product=ProductFactory())  # not licensed yet


def _queries(client, path, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("role", "path", "query"), PAGES)
def test_each_list_takes_as_many_queries_with_30_rows_as_with_3(
    client, request, account_manager, product, role, path, query
):
    client.force_login(request.getfixturevalue(role))
    _grow(account_manager, product, 3)
    few = _queries(client, path, query)

    _grow(account_manager, product, 27)

    assert _queries(client, path, query) == few


# PostgreSQL: the searches read the trigram indexes.


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: Company.objects.search("granite"), "accounts_company_search_document_trgm"),
        (lambda: Company.objects.search("ada@hl"), "accounts_company_search_document_trgm"),
        (lambda: Contact.objects.search("ada@hl"), "accounts_contact_search_text_trgm"),
        (lambda: Quote.objects.search("04217"), "sales_quote_number_trgm"),
    ],
)
def test_on_postgresql_the_searches_read_the_trigram_indexes(
    postgresql, searchable, queryset, index
):
    assert index in _plan(queryset())


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (
            lambda: Company.objects.filter(starts_with("name", "gran")).by_name(),
            "company_name_lower",
        ),
        (
            lambda: Contact.objects.filter(starts_with("last_name", "love")).by_name(),
            "contact_name_lower",
        ),
    ],
)
def test_on_postgresql_the_header_search_reads_names_in_order_from_their_index(
    postgresql, searchable, queryset, index
):
    # On a few rows a sort is as cheap as the ordered read: with sorts off, the plan says
    # whether the index can give the order.
    plan = _plan(queryset()[:20], unless="sort")

    assert index in plan
    assert "Sort" not in plan  # read in order: 20 index entries, however many match


def _plan(queryset, *, unless: str = "seqscan") -> str:
    """The queryset's plan, with `unless` ("seqscan", "sort") turned off: a tiny table would
    be read whole, or its few rows sorted."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET enable_{unless} = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"RESET enable_{unless}")
    return plan


# The counts on the administrator's home read only the rows they count.


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: Task.objects.overdue(timezone.localdate()), "task_open_due_on"),
        (lambda: OutboxMessage.objects.failed(), "outbox_failed"),
    ],
)
def test_on_postgresql_the_home_counts_read_partial_indexes(postgresql, queryset, index):
    assert index in _plan(queryset())


# The under-used companies by utilisation: read in order from the stored figure's index, so
# the first page reads its 25 rows, not every under-used company.


@pytest.mark.parametrize(("sort", "index"), [
    ("utilisation", "company_utilisation_lowest"),
    ("-utilisation", "company_utilisation_highest"),
])  # fmt: skip
def test_on_postgresql_the_under_used_companies_sort_from_the_stored_utilisation_index(
    postgresql, sort, index
):
    form = CompanyFilterForm({"utilisation": "low", "sort": sort})
    assert form.is_valid()

    page = form.order(form.filter(Company.objects.all())).values("pk")[:26]

    assert index in _plan(page, unless="sort")


# One search per page view: the count and the page come from one read of the first ids.


def test_a_page_of_a_search_runs_the_search_once_and_reads_its_rows_by_id(searchable):
    paginator = PaginatorByIds(Company.objects.search("granite").order_by("name", "pk"), 5)

    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(1)
        count = paginator.count

    assert (count, [c.name for c in page]) == (1, ["Granite Partners"])
    searches = [q["sql"] for q in queries if "LIKE" in q["sql"].upper()]
    assert len(searches) == 1 and len(queries) == 2  # the ids (and count), then the rows


def test_a_plain_list_counts_rows_in_no_order_and_reads_only_its_pages_ids(twelve_companies):
    paginator = PaginatorByIds(Company.objects.order_by("name", "pk"), 5)

    with CaptureQueriesContext(connection) as queries:
        names = [c.name for c in paginator.page(2)]

    assert names == [f"Company {n:02d}" for n in range(5, 10)]
    count, ids, rows = (q["sql"] for q in queries)
    assert "COUNT(*)" in count and "ORDER BY" not in count
    assert "LIMIT 5 OFFSET 5" in ids


def test_pages_beyond_the_first_ids_read_their_own(twelve_companies):
    paginator = PaginatorByIds(Company.objects.search("company").order_by("name", "pk"), 5)
    paginator.cap = 7

    assert paginator.count_label == "more than 7"
    assert [c.name for c in paginator.page(2)] == [f"Company {n:02d}" for n in range(5, 10)]
    assert [c.name for c in paginator.page(3)] == ["Company 10", "Company 11"]
    assert not paginator.page(3).has_next()


def test_the_api_reads_a_pages_figures_without_the_search(api, searchable, product):
    LicenseFactory(company=searchable["contact"], product=product, seats=40)

    body = api.get("/api/v1/companies/", {"search": "lovelace"}).json()

    assert [(c["name"], c["licensed_seats"]) for c in body["results"]] == [("Harbor Labs", 40)]


# The admin changelists: a page of ids in an index's order, no distinct values of a table.


def test_the_admins_action_box_is_djangos(admin, searchable):
    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry[Company]
    company = searchable["name"]

    ours = model_admin.action_checkbox(company)

    assert ours == django_admin.ModelAdmin.action_checkbox(model_admin, company)


@pytest.mark.parametrize(
    ("path", "table"),
    [
        ("/admin/accounts/company/", "accounts_company"),
        ("/admin/accounts/contact/", "accounts_contact"),
        ("/admin/sales/quote/", "sales_quote"),
        ("/admin/licensing/license/", "licensing_license"),
        ("/admin/licensing/trial/", "licensing_trial"),
    ],
)
def test_an_admin_changelist_reads_no_distinct_values_and_sorts_in_an_indexes_order(
    client, admin, account_manager, product, path, table, monkeypatch
):
    monkeypatch.setattr(LargeListAdmin, "list_per_page", 2)  # two pages: ids, then rows
    _grow(account_manager, product, 3)
    client.force_login(admin)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code == 200 and len(response.context["cl"].result_list) == 2
    ids = f'SELECT "{table}"."id" AS "pk" FROM'
    listed = [q["sql"] for q in queries if q["sql"].startswith(ids) and "ORDER BY" in q["sql"]]
    assert len(listed) == 1
    order = listed[0].split("ORDER BY")[1].split("LIMIT")[0].split(",")
    assert len({"DESC" in key for key in order}) == 1  # one direction: an index reads it
    distinct = [
        q["sql"] for q in queries if "DISTINCT" in q["sql"] and f'FROM "{table}"' in q["sql"]
    ]
    assert not distinct  # date_hierarchy, or a filter by the values found in the table


def test_the_quote_changelist_filters_by_the_products_currencies(client, admin, searchable):
    client.force_login(admin)

    euros = client.get("/admin/sales/quote/", {"currency": "EUR"}).context["cl"]
    dollars = client.get("/admin/sales/quote/", {"currency": "USD"}).context["cl"]

    assert list(euros.result_list) == [searchable["quote"]]
    assert list(dollars.result_list) == []


def test_on_postgresql_the_trigram_indexes_keep_no_pending_list(postgresql):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname LIKE %s", ["%\\_trgm"]
        )
        indexes = dict(cursor.fetchall())

    assert len(indexes) == 5  # companies' name, domain, document; contacts'; quote numbers
    assert all("fastupdate=off" in (options or []) for options in indexes.values())


def test_filtering_by_status_keeps_the_companies_with_status_gives_it(db):
    prospect = CompanyFactory()
    in_trial = CompanyFactory()
    TrialFactory(company=in_trial)
    customer = CompanyFactory()
    LicenseFactory(company=customer)
    TrialFactory(company=customer)  # a customer in a trial of another product stays a customer
    churned = CompanyFactory()
    LicenseFactory(company=churned, status="cancelled")
    statuses = dict(Company.objects.with_status().values_list("pk", "status"))

    for status in ("prospect", "trial", "customer", "churned"):
        kept = set(Company.objects.in_status(status).values_list("pk", flat=True))
        assert kept == {pk for pk, given in statuses.items() if given == status}
    assert {prospect.pk, in_trial.pk, customer.pk, churned.pk} == set(statuses)
