"""Health probes for a load balancer: no app is imported, no login, no session.

`/healthz` says the process answers (nothing else is touched, so a database outage does not
make the balancer kill every web process); `/readyz` says the database and the broker answer,
so the balancer sends traffic only to a process that can serve it. Each check is a small
function returning (ok, detail), for other readiness checks to be listed beside them.
"""

from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

PROBE_TIMEOUT_SECONDS = 2

Check = Callable[[], tuple[bool, str]]


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure is "not ready", told in the answer
        return False, f"{type(error).__name__}: {error}"[:200]
    return True, connection.vendor


def check_broker() -> tuple[bool, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "none: tasks run in-process"
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL,
            socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
            socket_timeout=PROBE_TIMEOUT_SECONDS,
        )
        client.ping()
        client.close()
    except Exception as error:
        return False, f"{type(error).__name__}: {error}"[:200]
    return True, "redis"


READINESS_CHECKS: dict[str, Check] = {"database": check_database, "broker": check_broker}


def readiness(checks: dict[str, Check] | None = None) -> tuple[bool, dict[str, dict]]:
    """Run every check; ready when all pass."""
    results = {}
    for name, check in (checks or READINESS_CHECKS).items():
        ok, detail = check()
        results[name] = {"ok": ok, "detail": detail}
    return all(result["ok"] for result in results.values()), results


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    ready, checks = readiness()
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """First in MIDDLEWARE: a load balancer probes each machine by its own address, over
    plain HTTP, so the probes answer before ALLOWED_HOSTS and the HTTPS redirect apply."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
