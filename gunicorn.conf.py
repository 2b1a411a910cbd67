"""gunicorn settings for Seatdesk (`gunicorn -c gunicorn.conf.py config.wsgi`), each overridable
from the environment.

The longest legitimate request is a finance export: a period's stored quote PDFs as one zip
(the bench measures it; a quote's PDF is drawn by a worker after the send, or once by the
first download of it, about a second on a busy machine). GUNICORN_TIMEOUT leaves a wide margin so no
legitimate request is ever killed by the worker timeout; request bodies are capped before any
work (DATA_UPLOAD_MAX_MEMORY_SIZE, 413), so a large body cannot hold a worker either.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
# Sync workers: every view is short and database-bound; one request per worker at a time.
worker_class = "sync"
# Seconds a request may take before its worker is killed and restarted (see above).
timeout = _int("GUNICORN_TIMEOUT", 120)
# A restart or deploy lets requests in progress finish for this long (the same bound).
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 120)
# Behind a load balancer that keeps connections open.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (jittered so they do not all restart together).
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Request line and headers: a URL with a long search or filter fits; more is refused (400).
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 4094)
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 50)
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190)
# Logs to the console, for the process manager to collect.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Only our own proxies may set X-Forwarded-* (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
