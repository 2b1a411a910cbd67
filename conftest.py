import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

# Playwright's sync API runs an event loop in the test thread; the ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from accounts.roles import Role  # noqa: E402
from tests.accounts.factories import CompanyFactory, ContactFactory, UserFactory  # noqa: E402
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory  # noqa: E402
from tests.onboarding.factories import OnboardingFactory, TaskFactory  # noqa: E402
from tests.sales.factories import make_quote  # noqa: E402


@pytest.fixture
def account_manager(db):
    return UserFactory(username="am", role=Role.ACCOUNT_MANAGER)


@pytest.fixture
def other_account_manager(db):
    return UserFactory(username="am2", role=Role.ACCOUNT_MANAGER)


@pytest.fixture
def support(db):
    return UserFactory(username="support", role=Role.SUPPORT)


@pytest.fixture
def finance(db):
    return UserFactory(username="finance", role=Role.FINANCE)


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def company(account_manager):
    """A company owned by `account_manager`, with a primary contact."""
    company = CompanyFactory(owner=account_manager, employee_count=200, target_seats=120)
    ContactFactory(company=company, is_primary=True, is_decision_maker=True)
    return company


@pytest.fixture
def product(db):
    """Blocks of 5, yearly: 40.00 per seat from 1 seat, 35.00 from 25, 30.00 from 100."""
    return ProductFactory(
        seat_block_size=5,
        tiers=[(1, Decimal("40.00")), (25, Decimal("35.00")), (100, Decimal("30.00"))],
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
        ],
    }


@pytest.fixture(autouse=True)
def celery_runs_eagerly(request):
    """Tasks run in-process in ordinary tests even when REDIS_URL is set (CI); tests marked
    `integration` talk to the real broker and worker instead."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def postgresql(db):
    """For tests that need PostgreSQL's row locks: they fail under CI=true on any other
    database and are skipped locally on SQLite (`make test` defaults to SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        message = "this test needs PostgreSQL (set DATABASE_URL=postgres://...)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    """Stored files (quote PDFs) go to a folder of the test's own, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """API throttles count in the cache; each test starts with none spent (ids repeat)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Browser tests inject axe-core as an inline script, which the Content-Security-Policy
    refuses: they bypass it. tests/browser/test_content_security_policy.py turns it back on."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def objects(company, product, support):
    """One of every object a page or endpoint takes, of `company` (owned by `account_manager`):
    the paths tables of the access and form-fuzz tests look them up by kind."""
    today = timezone.localdate()
    trial = TrialFactory(company=company, product=product, ends_on=today + timedelta(days=5))
    # The license is of a product of its own: new business is quoted for a product not held.
    license = LicenseFactory(
        company=company,
        product=ProductFactory(),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=334),
    )
    onboarding = OnboardingFactory(license=license, owner=support)
    return {
        "company": company,
        "contact": company.contacts.get(),
        "trial": trial,
        "license": license,
        "quote": make_quote(company=company, product=product, discount_percent=30),
        "onboarding": onboarding,
        "task": TaskFactory(onboarding=onboarding, assignee=support),
    }
