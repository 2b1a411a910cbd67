"""How long `seed_demo` takes: on a fresh SQLite file (the embedded default), and
`--scale 100000` on a fresh PostgreSQL database (on the server of DATABASE_URL, when it is
PostgreSQL), with the rows it made.

Each run is a separate `manage.py` process on its own temporary database, so the figure is
what a developer waits for, and the benchmark does not depend on the database other
benchmarks use."""

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
SCALE = 10_000
SCALE_TARGET_SECONDS = 60
POSTGRES_SCALE = 100_000
POSTGRES_TARGET_SECONDS = 180
# The rows worth counting after a seed: (what, table).
COUNTED_TABLES = (
    ("companies", "accounts_company"),
    ("contacts", "accounts_contact"),
    ("timeline entries", "accounts_activity"),
    ("trials", "licensing_trial"),
    ("licenses", "licensing_license"),
    ("seat changes", "licensing_seatchange"),
    ("quotes", "sales_quote"),
    ("quote lines", "sales_quoteline"),
    ("onboardings", "onboarding_onboarding"),
    ("onboarding tasks", "onboarding_task"),
    ("usage rows (license × day)", "licensing_usagerecord"),
    ("usage summaries", "licensing_usagesummary"),
    ("reminders", "licensing_reminder"),
    ("emails", "accounts_outboxmessage"),
)


def manage(*args: str, database_url: str) -> tuple[float, float, str]:
    """Run a management command on `database_url`; returns its wall and CPU time in seconds
    (the CPU time tells a slow machine from slow code when other work shares the cores) and
    its output."""
    environment = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
    }
    cpu_before = _children_cpu()
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return time.perf_counter() - started, _children_cpu() - cpu_before, finished.stdout


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_seed(*args: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        manage("migrate", "--noinput", database_url=f"sqlite:///{database}")
        wall, cpu, _ = manage("seed_demo", *args, database_url=f"sqlite:///{database}")
        return wall, cpu


@contextmanager
def fresh_postgres_database(server_url: str):
    """The URL of a new, empty database on the server of `server_url`, dropped afterwards."""
    parts = urlsplit(server_url)
    name = f"{parts.path.lstrip('/') or 'seatdesk'}_seedbench"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def row_counts(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as connection:
        return {
            what: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for what, table in COUNTED_TABLES
        }


def bench_seed_demo():
    scaled, scaled_cpu = timed_seed("--scale", str(SCALE))
    normal, _ = timed_seed()
    return [
        {
            "name": f"seed_demo --scale {SCALE} (SQLite file)",
            "value": round(scaled, 1),
            "unit": "s",
            "target": f"< {SCALE_TARGET_SECONDS} s",
            "ok": scaled < SCALE_TARGET_SECONDS,
        },
        {
            "name": f"seed_demo --scale {SCALE}, CPU time",
            "value": round(scaled_cpu, 1),
            "unit": "s",
        },
        {
            "name": "seed_demo, ~40 companies through the services (SQLite file)",
            "value": round(normal, 1),
            "unit": "s",
        },
    ]


def bench_seed_demo_on_postgresql():
    server_url = os.environ.get("DATABASE_URL", "")
    name = f"seed_demo --scale {POSTGRES_SCALE} (fresh PostgreSQL database)"
    if not server_url.startswith(("postgres://", "postgresql://")):
        return [
            {"name": name, "value": "skipped", "unit": "", "target": "DATABASE_URL=postgres://..."}
        ]
    with fresh_postgres_database(server_url) as database_url:
        manage("migrate", "--noinput", database_url=database_url)
        seconds, cpu, output = manage(
            "seed_demo", "--scale", str(POSTGRES_SCALE), database_url=database_url
        )
        counts = row_counts(database_url)
    return [
        {
            "name": name,
            "value": round(seconds, 1),
            "unit": "s",
            "target": f"< {POSTGRES_TARGET_SECONDS} s",
            "ok": seconds < POSTGRES_TARGET_SECONDS,
        },
        # PostgreSQL's own work is not in it: the server's processes are not the command's.
        {
            "name": f"seed_demo --scale {POSTGRES_SCALE}, CPU time of the command",
            "value": round(cpu, 1),
            "unit": "s",
        },
        *(
            {
                "name": f"seed_demo --scale {POSTGRES_SCALE}, phase: {phase}",
                "value": value,
                "unit": "s",
            }
            for phase, value in phase_times(output)
        ),
        *(
            {"name": f"seed_demo --scale {POSTGRES_SCALE}: {what}", "value": count, "unit": "rows"}
            for what, count in counts.items()
        ),
    ]


def phase_times(output: str) -> list[tuple[str, float]]:
    """The phases seed_demo --scale reports ("  90 days of usage: 12.3s (0.4s Python CPU)")."""
    return [
        (match["phase"], float(match["seconds"]))
        for match in re.finditer(r"^  (?P<phase>[^:\n]+): (?P<seconds>[\d.]+)s \(", output, re.M)
    ]
