from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from staff import views
from staff.models import Heartbeat


@pytest.fixture
def swept(db):
    """The deadline sweep finished just now."""
    Heartbeat.objects.create(key="deadline_sweep", beat_at=timezone.now())


def test_health_is_public_and_reports_database_redis_and_the_sweep(client, swept):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert body["checks"]["deadline_sweep"]["seconds_ago"] == 0


@pytest.mark.django_db
def test_health_is_503_when_the_sweep_is_older_than_twice_its_interval(client, settings):
    limit = 2 * settings.DEADLINE_SWEEP_SECONDS
    Heartbeat.objects.create(
        key="deadline_sweep", beat_at=timezone.now() - timedelta(seconds=limit - 5)
    )
    assert client.get(reverse("health")).status_code == 200
    Heartbeat.objects.filter(key="deadline_sweep").update(
        beat_at=timezone.now() - timedelta(seconds=limit + 5)
    )
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["deadline_sweep"]["ok"] is False


@pytest.mark.django_db
def test_health_is_503_when_redis_cannot_be_reached(client, settings, swept):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


@pytest.mark.django_db
def test_health_is_503_when_a_registered_job_is_stale(client, monkeypatch, swept):
    monkeypatch.setitem(views.HEALTH_HEARTBEATS, "sweep", 120)
    Heartbeat.objects.create(key="sweep", beat_at=timezone.now() - timedelta(seconds=241))
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["sweep"]["ok"] is False

    Heartbeat.objects.filter(key="sweep").update(beat_at=timezone.now())
    assert client.get(reverse("health")).status_code == 200


@pytest.mark.django_db
def test_health_is_503_when_a_registered_job_never_ran(client, monkeypatch):
    monkeypatch.setitem(views.HEALTH_HEARTBEATS, "sweep", 120)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["sweep"]["seconds_ago"] is None
