"""PostgreSQL restarted (`pg_ctl restart -m fast`) during a reminder sweep, on a PostgreSQL of
the test's own (initdb in a temporary folder, a free port; never the shared server), with a
Redis, a Celery worker with beat and an SMTP sink of its own, and demo data at a small scale
(`seed_demo --scale`), all run as subprocesses the way production runs them:

1. the restart cuts the sweep's transaction: nothing of it is recorded, the command fails,
   and its re-run (beat's next day, or an operator) records every reminder due, once;
2. the restart cuts the worker's connection while it sends the sweep's emails (claimed,
   the mail server not answering yet): every email arrives once, the claimed ones after
   their lease (OUTBOX_LEASE_SECONDS, 9 s here).

Figures go to artifacts/outbox-faults.json (`python -m tests.integration.outbox_figures`)."""

import subprocess
import sys
import time
import uuid

import psycopg
import pytest
from django.conf import settings

from accounts.models import OutboxMessage
from tests.integration.conftest import missing_services, wait_for
from tests.integration.fault_rig import (
    FIGURES,
    PostgresServer,
    RedisServer,
    Worker,
    record_figures,
)
from tests.integration.smtp_sink import SmtpSink

pytestmark = pytest.mark.integration

DATABASE = "seatdesk_sweep"
COMPANIES = 300  # about 10 reminders due today, 20 emails


@pytest.fixture
def rig():
    missing = missing_services()
    if missing:
        pytest.fail(f"Integration tests need {' and '.join(missing)}")
    postgres, broker, sink = PostgresServer(), RedisServer(), SmtpSink()
    postgres.start()
    broker.start()
    sink.start()
    workdir = FIGURES.parent / "faults"
    workdir.mkdir(parents=True, exist_ok=True)
    worker = Worker(
        queue=f"seatdesk-pg-{uuid.uuid4().hex[:8]}",
        broker=broker.url,
        mail_url=sink.url,
        workdir=workdir,
        database=postgres.settings(DATABASE),
    )
    rig = type("Rig", (), {"postgres": postgres, "sink": sink, "worker": worker})
    try:
        with psycopg.connect(**connect(postgres, "postgres"), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {DATABASE}")
        manage(worker, "migrate", "--noinput")
        manage(worker, "seed_demo", "--scale", str(COMPANIES))
        worker.start()
        yield rig
    finally:
        worker.stop()
        sink.stop()
        broker.kill()
        postgres.stop()


def connect(postgres: PostgresServer, name: str = DATABASE) -> dict:
    return {"host": "127.0.0.1", "port": postgres.port, "user": "postgres", "dbname": name,
            "options": "-c TimeZone=UTC"}  # fmt: skip


def manage(worker: Worker, *command: str, check: bool = True) -> subprocess.CompletedProcess:
    """`manage.py` as the worker runs it: the same database, broker, queue and mail server."""
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        env=worker.env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=check,
        timeout=600,
    )


def query(postgres: PostgresServer, sql: str) -> list[tuple]:
    with psycopg.connect(**connect(postgres)) as database:
        return database.execute(sql).fetchall()


def test_a_postgres_restart_during_the_sweep_records_and_sends_every_reminder_once(rig):
    postgres, sink, worker = rig.postgres, rig.sink, rig.worker
    due = manage(worker, "send_reminders", "--dry-run").stdout.count("would send")
    assert due > 0
    # The demo's past reminders and emails (seed_demo replays the sweeps of earlier days).
    (seeded,) = query(postgres, "SELECT count(*) FROM licensing_reminder")[0]
    (last_email,) = query(postgres, "SELECT coalesce(max(id), 0) FROM accounts_outboxmessage")[0]
    emails = f"accounts_outboxmessage WHERE id > {last_email}"

    # 1. The sweep waits on a lock of ours, inside its transaction, when the server restarts.
    blocker = psycopg.connect(**connect(postgres))
    blocker.execute("LOCK TABLE licensing_reminder IN EXCLUSIVE MODE")
    sweep = subprocess.Popen(
        [sys.executable, "manage.py", "send_reminders"],
        env=worker.env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(
        lambda: query(postgres, "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"),
        what="the sweep to wait inside its transaction",
    )
    postgres.restart()
    blocker.close()
    assert sweep.wait(timeout=60) != 0  # the command says it failed...
    assert query(postgres, "SELECT count(*) FROM licensing_reminder") == [(seeded,)]  # whole
    assert query(postgres, f"SELECT count(*) FROM {emails}") == [(0,)]

    # 2. Its re-run; the server restarts while the worker is sending (claimed, connected to
    # the mail server, which has not answered yet).
    sink.stall_greeting = True
    rerun = manage(worker, "send_reminders")
    wait_for(
        lambda: query(postgres, f"SELECT 1 FROM {emails} AND status = 'sending'"),
        what="the worker to claim an email",
    )
    postgres.restart()
    restarted = time.monotonic()
    sink.stall_greeting = False
    expected = {
        OutboxMessage(pk=pk, created_at=created_at).message_id  # as the worker writes it
        for pk, created_at in query(postgres, f"SELECT id, created_at FROM {emails}")
    }
    wait_for(
        lambda: (
            expected <= set(sink.message_ids())
            and not query(
                postgres,
                f"SELECT 1 FROM {emails} AND status IN ('pending', 'sending')",
            )
        ),
        timeout=120,
        what="every email sent and recorded",
    )
    recovery = time.monotonic() - restarted
    reminders = query(
        postgres,
        'SELECT count(*), count(DISTINCT (subject, kind, "offset")) FROM licensing_reminder',
    )[0]
    reminders = (reminders[0] - seeded, reminders[1] - seeded)
    figures = {
        **sink.figures(expected),
        "reminders_due": due,
        "reminders_recorded": reminders[0],
        "reminders_duplicated": reminders[0] - reminders[1],
    }
    record_figures("PostgreSQL restarted during the sweep, then while sending", figures, recovery)
    assert f"{due} reminders for " in rerun.stdout
    assert reminders == (due, due)
    assert figures["lost"] == figures["unexpected"] == figures["duplicates"] == 0
