"""Every HTML form, for each role, fed what hypothesis makes of its fields (huge and negative
numbers, far and malformed dates, unicode digits, decimal commas, control characters, very
long text, values no choice offers): the answer is a page, a redirect, a 403 or a 404, never
a server error.

The fields are read from each form as the page renders it (input types, select options), so
a field added later is fuzzed too."""

import re
from html import unescape

import pytest
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

# Requests per form and role (5 roles, 26 forms): 650 in all. No shrinking: a failure is
# reported with the input that caused it, without minutes spent minimising it.
EXAMPLES = 5
ROLES = ["account_manager", "other_account_manager", "support", "finance", "admin"]

NASTY = [
    "", " ", "0", "-1", "2147483647", "2147483648", "99999999999999999999", "1e309", "NaN",
    "Infinity", "١٢", "17,5", "1,5", "0.0000001", "9999-12-31", "0001-01-01", "2026-02-30",
    "31/12/2026", "\x00", "x" * 5000, "\r\nBcc: someone@example.com", "<script>alert(1)</script>",
    "' OR 1=1 --", "ZZZ", "€", "France", "🦄" * 50,
]  # fmt: skip


def nasty_or(strategy):
    return st.one_of(st.sampled_from(NASTY), strategy)


CONTROL = re.compile(
    r"<(input|select|textarea)\b([^>]*)>(.*?)</select>|<(input|textarea)\b([^>]*)>", re.S
)
ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')
OPTION = re.compile(r'<option[^>]*value="([^"]*)"')


def fields_of(html: str) -> dict:
    """{name: strategy} for every named control of the page's forms, by its kind."""
    fields = {}
    for match in CONTROL.finditer(html):
        tag = match.group(1) or match.group(4)
        attributes = dict(ATTRIBUTE.findall(match.group(2) or match.group(5) or ""))
        name = unescape(attributes.get("name", ""))
        if not name or name == "csrfmiddlewaretoken":
            continue
        kind = attributes.get("type", tag)
        if tag == "select":
            options = [unescape(value) for value in OPTION.findall(match.group(3))]
            strategy = nasty_or(st.sampled_from(options or [""]))
        elif kind == "number":
            strategy = nasty_or(st.integers(-(2**63), 2**63).map(str))
        elif kind == "date":
            strategy = nasty_or(st.dates().map(lambda day: day.isoformat()))
        elif kind in ("checkbox", "radio"):
            strategy = st.sampled_from(["on", "", attributes.get("value", "on")])
        elif kind in ("hidden", "submit"):
            strategy = nasty_or(st.just(unescape(attributes.get("value", ""))))
        else:
            strategy = nasty_or(st.text(max_size=300))
        fields[name] = strategy
    return fields


# (method, url, where the fields are read (None: the url itself)); {kind} takes that object.
FORMS = [
    ("post", "/companies/new/", None),
    ("post", "/companies/{company}/edit/", None),
    ("post", "/companies/{company}/contacts/new/", None),
    ("post", "/contacts/{contact}/edit/", None),
    ("post", "/companies/{company}/trials/new/", None),
    ("post", "/trials/{trial}/extend/", None),
    ("post", "/quotes/new/?company={company}", None),
    ("post", "/quotes/new/price/?company={company}", "/quotes/new/?company={company}"),
    ("post", "/quotes/{quote}/edit/", None),
    ("post", "/quotes/{quote}/edit/price/", "/quotes/{quote}/edit/"),
    ("post", "/quotes/{quote}/send/", "/quotes/{quote}/"),
    ("post", "/quotes/{quote}/approve/", "/quotes/{quote}/"),
    ("post", "/quotes/{quote}/reject/", "/quotes/{quote}/"),
    ("post", "/licenses/{license}/add-seats/", None),
    ("post", "/onboarding/{onboarding}/tasks/add/", "/onboarding/{onboarding}/"),
    ("post", "/onboarding/tasks/{task}/edit/", None),
    ("post", "/onboarding/tasks/{task}/status/", "/onboarding/{onboarding}/"),
    ("post", "/onboarding/tasks/{task}/assign/", "/onboarding/{onboarding}/"),
    ("post", "/onboarding/{onboarding}/live/", "/onboarding/{onboarding}/"),
    ("get", "/companies/", None),
    ("get", "/quotes/", None),
    ("get", "/licenses/", None),
    ("get", "/onboarding/", None),
    ("get", "/dashboard/", None),
    ("get", "/exports/", None),
    ("get", "/search/", "/companies/"),
]


def url_of(template: str, objects: dict) -> str:
    return template.format(**{kind: row.pk for kind, row in objects.items()})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "form_page"), FORMS, ids=[f"{m} {u}" for m, u, _ in FORMS]
)
def test_no_form_answers_a_server_error_whatever_is_typed(
    request, objects, admin, role, method, url, form_page
):
    reader = Client()
    reader.force_login(admin)
    page = reader.get(url_of(form_page or url, objects))
    fields = fields_of(page.content.decode())
    if url == "/search/":
        fields = {"q": nasty_or(st.text(max_size=300))}
    assert fields, f"no form fields found on {form_page or url}"
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue(role))
    target = url_of(url, objects)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries({}, optional=fields))
    def submit(data):
        response = getattr(client, method)(target, data, HTTP_HX_REQUEST="true")
        assert response.status_code < 500, (target, data)

    submit()
