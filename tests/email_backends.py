"""An email backend for tests where a Celery worker process sends the mail: one .eml file per
message in EMAIL_FILE_PATH, which the test process reads back. While a file named `smtp-down`
is there it fails as an unreachable SMTP server does; while `hang` is there it stops mid-send
(after writing its pid to `sending.pid`) so a test can kill the worker at that moment."""

import os
import smtplib
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend


class FileOutboxBackend(BaseEmailBackend):
    def send_messages(self, messages):
        directory = Path(settings.EMAIL_FILE_PATH)
        if (directory / "smtp-down").exists():
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed (test)")
        if (directory / "hang").exists():
            (directory / "sending.pid").write_text(str(os.getpid()))
            while (directory / "hang").exists():
                time.sleep(0.05)
        for message in messages:
            (directory / f"{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(messages)


def sent_emails(directory: Path) -> list[str]:
    """The messages written so far, as text."""
    return [path.read_text() for path in sorted(Path(directory).glob("*.eml"))]


class ScriptedBackend(locmem.EmailBackend):
    """The in-memory backend (django.core.mail.outbox), except that a message to an address
    containing a key of `failures` raises that key's error, as a mail server would."""

    failures: dict[str, BaseException] = {}

    def send_messages(self, messages):
        for message in messages:
            for address in message.to:
                for part, error in self.failures.items():
                    if part in address:
                        raise error
        return super().send_messages(messages)


class DatabaseCutAfterSendBackend(locmem.EmailBackend):
    """The in-memory backend, except that once the server has accepted a message, this
    process's database connection is cut from the server's side, as a PostgreSQL restart cuts
    it (PostgreSQL only)."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        from django.db import connection, connections

        other = connections.create_connection("default")
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid]
            )
        other.close()
        return sent
