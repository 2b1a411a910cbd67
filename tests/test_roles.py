"""Who may open which page: the whole matrix in one table, plus accounts.roles.can."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import can, permissions_of
from accounts.services import create_follow_up
from tests.accounts.factories import CompanyFactory, UserFactory
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "account_manager", "other_account_manager", "support", "finance", "admin")
EVERYONE = {role: 200 for role in ROLES[1:]}
OWNER = {"account_manager": 200, "other_account_manager": 403, "support": 403, "finance": 403, "admin": 200}  # fmt: skip
OWNER_POST = {role: 302 if code == 200 else code for role, code in OWNER.items()}
SELLERS = {**EVERYONE, "support": 403}
APPROVERS = {"account_manager": 403, "other_account_manager": 403, "support": 404, "finance": 302, "admin": 302}  # fmt: skip
MISSING = {role: 404 for role in ROLES[1:]}
# Support sees no quote: an existing one answers as a missing one does, on every path.
QUOTE_OWNER = {**OWNER, "support": 404}
QUOTE_OWNER_POST = {**OWNER_POST, "support": 404}
ADMINS = {**{role: 403 for role in ROLES[1:]}, "admin": 200}

# (url name, object the url takes, method, query string, expected answer per signed-in role).
# "account_manager" owns every object; anonymous visitors are always sent to sign in.
MATRIX = [
    ("home", None, "get", "", EVERYONE),
    ("email_list", None, "get", "", ADMINS),
    ("email_resend", None, "post", "", {**ADMINS, "admin": 302}),
    ("search", None, "get", "?q=a", EVERYONE),
    ("company_list", None, "get", "", EVERYONE),
    ("company_detail", "company", "get", "", EVERYONE),
    ("company_detail", "missing", "get", "", MISSING),
    ("company_create", None, "get", "", {**OWNER, "other_account_manager": 200}),
    ("company_edit", "company", "get", "", OWNER),
    ("import_upload", None, "get", "", {**OWNER, "other_account_manager": 200}),
    ("contact_create", "company", "get", "", OWNER),
    ("contact_edit", "contact", "get", "", OWNER),
    ("contact_remove", "contact", "get", "", OWNER),
    ("contact_remove", "contact", "post", "", OWNER_POST),
    # An empty form is refused (400) to those who may log; the others are refused first.
    ("interaction_create", "company", "post", "", {**OWNER, "account_manager": 400, "admin": 400}),
    ("follow_up_create", "company", "post", "", {**OWNER, "account_manager": 400, "admin": 400}),
    # Finance does not see notes and follow-ups; support reads them but completes none.
    ("follow_up_complete", "follow_up", "post", "", {**OWNER_POST, "finance": 404}),
    ("trial_list", None, "get", "", EVERYONE),
    ("trial_detail", "trial", "get", "", EVERYONE),
    ("trial_detail", "missing", "get", "", MISSING),
    ("trial_start", "company", "get", "", OWNER),
    ("trial_extend", "trial", "get", "", OWNER),
    ("trial_cancel", "trial", "post", "", OWNER_POST),
    ("trial_convert", "trial", "post", "", OWNER_POST),
    ("license_list", None, "get", "?due=90", EVERYONE),
    ("license_detail", "license", "get", "", EVERYONE),
    ("license_detail", "missing", "get", "", MISSING),
    ("license_add_seats", "license", "get", "", OWNER),
    ("license_renew", "license", "post", "", OWNER_POST),
    ("quote_list", None, "get", "", SELLERS),
    # A list as CSV: the roles that sell or account for it (support reads the lists only).
    ("company_list", None, "get", "?format=csv", SELLERS),
    ("trial_list", None, "get", "?format=csv", SELLERS),
    ("license_list", None, "get", "?format=csv", SELLERS),
    ("quote_list", None, "get", "?format=csv", SELLERS),
    ("saved_filter_save", None, "post", "", {role: 400 for role in ROLES[1:]}),
    ("quote_detail", "quote", "get", "", {**SELLERS, "support": 404}),
    ("quote_detail", "missing", "get", "", MISSING),
    ("quote_create", None, "get", "?company={company}", OWNER),
    ("quote_price_new", None, "post", "?company={company}", OWNER),
    ("quote_edit", "quote", "get", "", QUOTE_OWNER),
    ("quote_price", "quote", "post", "", QUOTE_OWNER),
    ("quote_send", "quote", "post", "", QUOTE_OWNER_POST),
    ("quote_revise", "quote", "post", "", QUOTE_OWNER_POST),
    ("quote_accept", "quote", "post", "", QUOTE_OWNER_POST),
    ("quote_decline", "quote", "post", "", QUOTE_OWNER_POST),
    (
        "approval_queue",
        None,
        "get",
        "",
        {**SELLERS, "account_manager": 403, "other_account_manager": 403},
    ),  # fmt: skip
    ("quote_approve", "discounted_quote", "post", "", APPROVERS),
    ("quote_reject", "discounted_quote", "post", "", APPROVERS),
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The table makes six users per case; hashing their passwords properly is all cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def objects(company, product):
    trial = TrialFactory(
        company=company, product=product, ends_on=timezone.localdate() + timedelta(days=5)
    )
    license = LicenseFactory(
        company=company,
        product=ProductFactory(),  # the quotes below are new business for `product`
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() + timedelta(days=334),
    )
    return {
        "company": company,
        "contact": company.contacts.get(),
        "trial": trial,
        "license": license,
        "quote": make_quote(company=company, product=product),
        "discounted_quote": make_quote(company=company, product=product, discount_percent=30),
        "follow_up": create_follow_up(
            company=company,
            title="Call back",
            due_on=timezone.localdate(),
            assignee=company.owner,
            actor=company.owner,
        ),
        "missing": None,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "target", "method", "query", "expected"),
    MATRIX,
    ids=[f"{row[0]}-{row[2]}-{row[1]}" for row in MATRIX],
)
def test_each_role_gets_the_answer_the_matrix_gives(
    request, client, objects, role, name, target, method, query, expected
):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    args = [] if target is None else [objects[target].pk if objects[target] else 999999]
    url = reverse(name, args=args) + query.format(company=objects["company"].pk)
    response = getattr(client, method)(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected[role]


def test_account_managers_may_edit_only_what_they_own(account_manager, other_account_manager):
    mine = CompanyFactory(owner=account_manager)
    assert can(account_manager, "edit_company", mine)
    assert not can(other_account_manager, "edit_company", mine)
    assert can(other_account_manager, "view_companies", mine)


def test_finance_reads_quotes_and_approves_but_cannot_edit_them(finance, company, product):
    quote = make_quote(company=company, product=product)
    assert can(finance, "view_quotes", quote)
    assert can(finance, "approve_quote", quote)
    assert not can(finance, "edit_quote", quote)


def test_support_reads_companies_and_licenses_but_not_quotes(support):
    held = {name for name, allowed in permissions_of(support).items() if allowed}
    assert {"view_companies", "view_licenses", "edit_onboarding"} <= held
    assert not held & {"view_quotes", "edit_quote", "edit_company", "export"}


def test_administrators_may_do_everything(admin, company):
    assert all(permissions_of(admin).values())
    assert can(admin, "edit_company", company)


def test_a_user_without_a_role_may_do_nothing(db):
    assert not any(permissions_of(UserFactory()).values())


def test_signed_out_visitors_hold_no_permission(db):
    from django.contrib.auth.models import AnonymousUser

    assert not any(permissions_of(AnonymousUser()).values())
