"""The real pieces of the fault tests, on loopback, started and stopped by the tests: a Redis
of their own (killed and restarted empty), a Celery worker with its embedded beat (killed
with SIGKILL and restarted) and the SMTP sink (tests/integration/smtp_sink.py). Settings are
small so that each fault plays out in seconds: a 1 s mail-server timeout, a 9 s lease, a
dispatch every second, retries after 1 s then 2 s."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from django.conf import settings

from tests.integration.conftest import SMALL_OUTBOX_SETTINGS, database_url, wait_for
from tests.integration.smtp_sink import free_port

FIGURES = Path(settings.BASE_DIR) / "artifacts" / "outbox-faults.json"


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), timeout=10, what="Redis to start")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


class Worker:
    def __init__(self, *, queue: str, broker: str, mail_url: str, workdir: Path, database: dict):
        self.queue, self.workdir = queue, workdir
        self.log = workdir / f"{queue}.log"
        self.env = {
            **os.environ,
            **SMALL_OUTBOX_SETTINGS,
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "DATABASE_URL": database_url(database),
            "REDIS_URL": broker,
            "EMAIL_URL": mail_url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "MEDIA_ROOT": str(workdir / "media"),
            "DEBUG": "true",
        }
        self.env.pop("SEATDESK_TEST_EMAIL_DIR", None)
        self.process = None

    def start(self) -> None:
        self.log.write_text("")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "-B",
                "--schedule", str(self.workdir / f"{self.queue}-beat"), "--queues", self.queue,
                "--pool", "prefork", "--concurrency", "2", "--hostname", f"{self.queue}@%h",
                "--without-gossip", "--without-mingle", "--loglevel", "INFO",
            ],
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed whole, pool included
        )  # fmt: skip
        wait_for(lambda: "ready." in self.log.read_text(), timeout=60, what="the worker")

    def restart_if_dead(self) -> bool:
        """What a supervisor (systemd's Restart=always) does: Celery's worker may exit with
        "Unrecoverable error" when it loses its Redis connection. True if it had to."""
        if self.process.poll() is None:
            return False
        self.start()
        return True

    def kill(self) -> None:
        """kill -9 the worker, its pool processes and its beat."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def use_broker(app, url: str) -> None:
    """Publish from this process to `url` from now on (Celery caches its connections)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def record_figures(fault: str, figures: dict, recovery_seconds: float | None) -> None:
    """Keep the figures of one fault for `python -m tests.integration.outbox_figures`."""
    FIGURES.parent.mkdir(exist_ok=True)
    table = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    table[fault] = {
        **figures,
        "recovery_s": None if recovery_seconds is None else round(recovery_seconds, 1),
    }
    FIGURES.write_text(json.dumps(table, indent=2))


def seconds_until(condition, timeout: float = 120, what: str = "recovery") -> float:
    started = time.monotonic()
    wait_for(condition, timeout=timeout, what=what)
    return time.monotonic() - started


class PostgresServer:
    """A PostgreSQL of the test's own (initdb in a temporary folder, a free port), which the
    test may restart: never the shared server."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self):
        self.port = free_port()
        # Its own folder, open to the postgres user (pytest's are root's alone).
        self.workdir = Path(tempfile.mkdtemp(prefix="seatdesk-pg-"))
        self.workdir.chmod(0o777)
        self.data = self.workdir / "pgdata"
        self.log = self.workdir / "postgres.log"
        # PostgreSQL refuses to run as root: as root, its files and processes are postgres's.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command) -> None:
        subprocess.run([*self.as_owner, *command], check=True, capture_output=True)

    def start(self) -> None:
        if not self.data.exists():
            self._run(self.BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres")
        self._pg_ctl("start")

    def _pg_ctl(self, action: str, *options) -> None:
        self._run(
            self.BIN / "pg_ctl", action, "-D", self.data, "-l", self.log, "-w", *options,
            "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}",
        )  # fmt: skip

    def restart(self) -> None:
        """A fast restart: every connection is cut, transactions in progress roll back."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._run(self.BIN / "pg_ctl", "stop", "-D", self.data, "-m", "fast", "-w")
        shutil.rmtree(self.workdir)

    def settings(self, name: str) -> dict:
        """A database's connection settings, as Django's `connection.settings_dict` has them."""
        return {"USER": "postgres", "PASSWORD": "", "HOST": "127.0.0.1", "PORT": self.port,
                "NAME": name}  # fmt: skip
