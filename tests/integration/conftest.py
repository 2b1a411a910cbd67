"""Integration tests run a real Celery worker (a subprocess) on the real Redis broker against
the PostgreSQL test database. Without REDIS_URL and PostgreSQL they fail under CI=true and
are deselected, with a message, elsewhere."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

QUEUE = f"seatdesk-integration-{uuid.uuid4().hex[:8]}"
# Small, so that a retry, a lease or a dispatch plays out in seconds.
SMALL_OUTBOX_SETTINGS = {
    "EMAIL_TIMEOUT": "1",
    "OUTBOX_SEND_TIME_LIMIT": "3",
    "OUTBOX_LEASE_SECONDS": "9",
    "OUTBOX_DISPATCH_SECONDS": "1",
    "OUTBOX_RETRY_DELAY": "1",
    "OUTBOX_RETRY_MAX_DELAY": "2",
    "OUTBOX_MAX_ATTEMPTS": "5",
}


def missing_services() -> list[str]:
    missing = []
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL (e.g. redis://127.0.0.1:6379/4)")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing.append("DATABASE_URL=postgres://...")
    return missing


def pytest_collection_modifyitems(config, items):
    missing = missing_services()
    if not missing or os.environ.get("CI") == "true":
        return
    deselected = [item for item in items if item.get_closest_marker("integration")]
    if deselected:
        items[:] = [item for item in items if not item.get_closest_marker("integration")]
        config.hook.pytest_deselected(items=deselected)
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"{len(deselected)} integration tests deselected: set {' and '.join(missing)}"
            )


def database_url(database: dict) -> str:
    """The URL of a connection's database (the test database), for the processes a test starts."""
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def wait_for(condition, timeout: float = 30, what: str = "the condition"):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    pytest.fail(f"Timed out after {timeout}s waiting for {what}")


def publish_to(app, queue: str) -> None:
    """Send tasks to `queue` from now on. Celery caches its queues and router on first use,
    so they are dropped and rebuilt from the new setting."""
    app.conf.task_default_queue = queue
    for cached in ("queues", "default_queue", "router"):
        app.amqp.__dict__.pop(cached, None)


class Worker:
    def __init__(self, mail_dir: Path, log: Path):
        self.mail_dir = mail_dir
        self.log = log

    def log_text(self) -> str:
        return self.log.read_text()


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A Celery worker with two processes consuming a queue of this test run only."""
    missing = missing_services()
    if missing:
        pytest.fail(f"Integration tests need {' and '.join(missing)}")
    from django.db import connection

    from config.celery import app

    previous_queue = app.conf.task_default_queue
    publish_to(app, QUEUE)
    mail_dir = tmp_path_factory.mktemp("mail")
    log = mail_dir.parent / f"{QUEUE}.log"
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
        "DATABASE_URL": database_url(database),
        "SEATDESK_TEST_EMAIL_DIR": str(mail_dir),
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        **SMALL_OUTBOX_SETTINGS,
        "DEBUG": "true",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "-B",  # its beat dispatches the outbox every second
            "--schedule",
            str(mail_dir.parent / f"{QUEUE}-beat"),
            "--queues",
            QUEUE,
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--hostname",
            f"{QUEUE}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: "ready." in log.read_text(), timeout=60, what="the worker to start")
        yield Worker(mail_dir, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(QUEUE)
            # The Redis transport keeps the queue's exchange bindings: drop them too.
            broker.default_channel.client.delete(
                f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}"
            )
        publish_to(app, previous_queue)


@pytest.fixture
def mail_dir(worker):
    """The worker's outbox, emptied, with no failure switched on."""
    for path in worker.mail_dir.iterdir():
        path.unlink()
    return worker.mail_dir
