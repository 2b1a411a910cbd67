"""The load run (loadtest/run.py) still works: a few seconds of account managers' day against
the Procfile's processes behind haproxy, on the test database with the demo data, without one
failed request. The real run and its figures: README, "Several processes, several machines"."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.integration.conftest import database_url, missing_services

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_short_load_run_sends_quotes_without_an_error():
    missing = missing_services()
    if missing:
        pytest.fail(f"Integration tests need {' and '.join(missing)}")
    call_command("seed_demo")
    run = subprocess.run(
        [sys.executable, "-m", "loadtest.run", "--users", "2", "--run-time", "10"],
        env={**os.environ, "DATABASE_URL": database_url(connection.settings_dict)},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    summary = run.stdout.splitlines()[-1]
    assert ", errors 0 of " in summary
    assert "/companies/[id]/" in run.stdout
    # What each process kind took of the machine, the load generator's own share included.
    [cpu] = [line for line in run.stdout.splitlines() if line.startswith("CPU seconds over")]
    assert "web.1 " in cpu and "locust " in cpu and "the whole machine" in cpu
