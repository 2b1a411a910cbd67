"""Set-up shared by the benchmarks: Django configured on a throwaway database."""

import os

import django


def setup_django() -> None:
    """Configure Django; benchmarks use DATABASE_URL (a PostgreSQL database of their own is
    best: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/seatdesk_bench make bench`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")
    django.setup()
