"""Set-up shared by the benchmarks: Django configured on a throwaway database."""

import os

import django


def setup_django() -> None:
    """Configure Django; benchmarks use DATABASE_URL (a PostgreSQL database of their own is
    best: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/seatdesk_bench make bench`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")
    django.setup()


# One owner, one product and %(companies)s companies, written by SQL alone: the start of the
# benchmarks' books that are too large to build through the ORM (reminders, usage).
BOOK_SQL = """
    INSERT INTO auth_user (username, password, first_name, last_name, email, is_staff,
                           is_active, is_superuser, date_joined)
    VALUES ('bench-owner', '!', 'Bench', 'Owner', 'owner@bench.example', false, true,
            false, now());
    INSERT INTO licensing_product (code, name, description, seat_block_size, billing_period,
                                   currency, active)
    VALUES ('bench', 'Bench', '', 5, 'year', 'EUR', true);
    INSERT INTO accounts_company (name, domain, industry, country, owner_id, created_at,
                                  updated_at, billing_address, vat_number, search_document)
    SELECT 'Company ' || i, '', 'software', 'FR', (SELECT id FROM auth_user), now(), now(),
           '', '', 'company ' || i || '  '
    FROM generate_series(1, %(companies)s) AS i;
"""
