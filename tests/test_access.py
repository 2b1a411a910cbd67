"""403 or 404, one rule on every path (accounts.roles.get_for, and visible() under the API):
an object whose kind the role may not see answers 404 as a missing one does, so ids cannot
be probed; an object it may see but not act on answers 403; a missing one is always 404.

The table: each path (HTML page or action, PDF, API read or action) names the kind of object
it takes, who may see that kind and who may take the action; each role is tried on an
existing object and on a missing one."""

import pytest
from django.urls import reverse

from tests.licensing.factories import LicenseFactory
from tests.onboarding.factories import OnboardingFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db

ROLES = ["account_manager", "other_account_manager", "support", "finance", "admin"]
EVERYONE = set(ROLES)
OWNER = {"account_manager", "admin"}  # account_manager owns every object of the table
QUOTE_READERS = EVERYONE - {"support"}
ONBOARDING_READERS = EVERYONE - {"finance"}
ONBOARDING_STAFF = {"support", "admin"}
APPROVERS = {"finance", "admin"}
DOWNLOADERS = {"account_manager", "finance", "admin"}
MISSING = 999_999

# (method, url with {pk}, object, data, roles that see the object's kind, roles that may act)
HTML = [
    ("get", "/companies/{pk}/", "company", None, EVERYONE, EVERYONE),
    ("get", "/companies/{pk}/edit/", "company", None, EVERYONE, OWNER),
    ("get", "/contacts/{pk}/edit/", "contact", None, EVERYONE, OWNER),
    ("post", "/contacts/{pk}/remove/", "contact", {}, EVERYONE, OWNER),
    ("get", "/trials/{pk}/", "trial", None, EVERYONE, EVERYONE),
    ("get", "/trials/{pk}/extend/", "trial", None, EVERYONE, OWNER),
    ("post", "/trials/{pk}/convert/", "trial", {}, EVERYONE, OWNER),
    ("get", "/licenses/{pk}/", "license", None, EVERYONE, EVERYONE),
    ("get", "/licenses/{pk}/add-seats/", "license", None, EVERYONE, OWNER),
    ("get", "/quotes/{pk}/", "quote", None, QUOTE_READERS, QUOTE_READERS),
    ("get", "/quotes/{pk}/edit/", "quote", None, QUOTE_READERS, OWNER),
    ("post", "/quotes/{pk}/send/", "quote", {}, QUOTE_READERS, OWNER),
    ("get", "/quotes/{pk}/pdf/", "quote", None, QUOTE_READERS, DOWNLOADERS),
    ("post", "/quotes/{pk}/resend-email/", "quote", {}, QUOTE_READERS, OWNER),
    ("post", "/quotes/{pk}/approve/", "quote", {}, QUOTE_READERS, APPROVERS),
    ("get", "/onboarding/{pk}/", "onboarding", None, ONBOARDING_READERS, ONBOARDING_READERS),
    ("post", "/onboarding/{pk}/live/", "onboarding", {}, ONBOARDING_READERS, ONBOARDING_STAFF),
    ("get", "/onboarding/tasks/{pk}/edit/", "task", None, ONBOARDING_READERS, ONBOARDING_STAFF),
    (
        "post",
        "/onboarding/tasks/{pk}/status/",
        "task",
        {"status": "done"},
        ONBOARDING_READERS,
        ONBOARDING_STAFF,
    ),  # fmt: skip
]
API = [
    ("get", "/api/v1/companies/{pk}/", "company", None, EVERYONE, EVERYONE),
    ("patch", "/api/v1/companies/{pk}/", "company", {"name": "Renamed"}, EVERYONE, OWNER),
    ("patch", "/api/v1/contacts/{pk}/", "contact", {"job_title": "CTO"}, EVERYONE, OWNER),
    ("get", "/api/v1/trials/{pk}/", "trial", None, EVERYONE, EVERYONE),
    ("post", "/api/v1/trials/{pk}/cancel/", "trial", {}, EVERYONE, OWNER),
    ("get", "/api/v1/licenses/{pk}/", "license", None, EVERYONE, EVERYONE),
    ("post", "/api/v1/licenses/{pk}/renew/", "license", {}, EVERYONE, OWNER),
    ("get", "/api/v1/quotes/{pk}/", "quote", None, QUOTE_READERS, QUOTE_READERS),
    ("patch", "/api/v1/quotes/{pk}/", "quote", {"notes": "x"}, QUOTE_READERS, OWNER),
    ("post", "/api/v1/quotes/{pk}/send/", "quote", {}, QUOTE_READERS, OWNER),
    ("get", "/api/v1/quotes/{pk}/pdf/", "quote", None, QUOTE_READERS, DOWNLOADERS),
    (
        "get",
        "/api/v1/onboardings/{pk}/",
        "onboarding",
        None,
        ONBOARDING_READERS,
        ONBOARDING_READERS,
    ),  # fmt: skip
    (
        "post",
        "/api/v1/onboardings/{pk}/mark-live/",
        "onboarding",
        {},
        ONBOARDING_READERS,
        ONBOARDING_STAFF,
    ),  # fmt: skip
    (
        "get",
        "/api/v1/onboarding-tasks/{pk}/",
        "task",
        None,
        ONBOARDING_READERS,
        ONBOARDING_READERS,
    ),  # fmt: skip
    (
        "post",
        "/api/v1/onboarding-tasks/{pk}/status/",
        "task",
        {"status": "done"},
        ONBOARDING_READERS,
        ONBOARDING_STAFF,
    ),  # fmt: skip
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def expected_answer(role, sees, acts):
    if role not in sees:
        return 404
    return "allowed" if role in acts else 403


def answer(response):
    code = response.status_code
    assert code < 500, response.content[:500]
    return code if code in (403, 404) else "allowed"


def ask(client, method, url, data, api):
    if api:
        return getattr(client, method)(url, data, content_type="application/json")
    return getattr(client, method)(url, data) if data is not None else client.get(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "kind", "data", "sees", "acts"),
    HTML + API,
    ids=[f"{method} {url}" for method, url, *_ in HTML + API],
)
def test_a_hidden_object_answers_as_a_missing_one_and_a_visible_one_403s_on_change(
    request, client, objects, role, method, url, kind, data, sees, acts
):
    client.force_login(request.getfixturevalue(role))
    api = url.startswith("/api/")

    missing = ask(client, method, url.format(pk=MISSING), data, api)
    existing = ask(client, method, url.format(pk=objects[kind].pk), data, api)

    assert answer(missing) == 404
    assert answer(existing) == expected_answer(role, sees, acts)
    if api:
        assert missing["Content-Type"] == "application/json"


def test_the_html_table_names_only_real_pages():
    from django.urls import resolve

    for _, url, *_ in HTML + API:
        resolve(url.format(pk=1))


def test_support_gets_the_same_404_for_a_quote_on_its_page_its_pdf_and_the_api(
    client, support, company, product
):
    quote = make_quote(company=company, product=product)
    client.force_login(support)
    paths = [
        reverse("quote_detail", args=[quote.pk]),
        reverse("quote_pdf", args=[quote.pk]),
        f"/api/v1/quotes/{quote.pk}/",
        f"/api/v1/quotes/{quote.pk}/pdf/",
    ]
    assert [client.get(path).status_code for path in paths] == [404, 404, 404, 404]


def test_finance_gets_404_for_an_onboarding_that_exists_as_for_one_that_does_not(
    client, finance, company, product, support
):
    onboarding = OnboardingFactory(license=LicenseFactory(company=company, product=product))
    client.force_login(finance)
    for pk in (onboarding.pk, MISSING):
        assert client.get(f"/api/v1/onboardings/{pk}/").status_code == 404
        assert client.get(reverse("onboarding_detail", args=[pk])).status_code == 404
