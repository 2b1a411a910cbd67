import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "seatdesk.example.com",
    "DATABASE_URL": "sqlite:////tmp/seatdesk-deploy-check.sqlite3",
}


def manage(*args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_snapshot_refresh_delay_out_of_bounds_refuses_to_start():
    for delay in ("-1", "601"):
        result = manage("check", **{**PRODUCTION, "BOOK_SNAPSHOT_REFRESH_DELAY": delay})
        assert result.returncode != 0
        assert "BOOK_SNAPSHOT_REFRESH_DELAY must be 0 to 600 seconds" in result.stderr


def test_a_bucket_name_puts_stored_files_in_object_storage_and_sessions_stay_in_the_database():
    script = (
        "from django.conf import settings as s; "
        "print(s.STORAGES['default']['BACKEND'], s.SESSION_ENGINE)"
    )
    result = manage("shell", "-c", script, **PRODUCTION, AWS_STORAGE_BUCKET_NAME="seatdesk")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "storages.backends.s3.S3Storage",
        "django.contrib.sessions.backends.db",
    ]
