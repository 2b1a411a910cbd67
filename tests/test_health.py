"""Health probes for a load balancer: /healthz (the process) and /readyz (database, broker)."""

import pytest

from config import health


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any database access would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_ready_when_the_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True


def test_the_probes_answer_a_load_balancer_on_the_machines_own_address_over_http(client, settings):
    settings.ALLOWED_HOSTS = ["seatdesk.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/companies/", HTTP_HOST="10.0.0.7:8000").status_code == 400


def test_readyz_answers_503_naming_the_broker_when_redis_does_not_answer(
    client, settings, db, free_tcp_port
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_tcp_port}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_readiness_fails_when_the_database_does_not_answer(monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OSError("connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    ready, checks = health.readiness({"database": health.check_database})
    assert not ready
    assert checks["database"] == {"ok": False, "detail": "OSError: connection refused"}


def test_readyz_refuses_a_post(client):
    assert client.post("/readyz").status_code == 405
