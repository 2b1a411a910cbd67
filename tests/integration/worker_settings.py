"""Settings of the Celery worker the integration tests start: the project's, with mail written
to files the test reads back (see tests/email_backends.py) unless the test gives it a mail
server of its own (EMAIL_URL, the fault tests' SMTP sink)."""

import os

from config.settings import *  # noqa: F403

if os.environ.get("SEATDESK_TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "tests.email_backends.FileOutboxBackend"
    EMAIL_FILE_PATH = os.environ["SEATDESK_TEST_EMAIL_DIR"]
