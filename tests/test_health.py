import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from staff import views
from staff.models import Heartbeat
from staff.services import heartbeat_record
from staff.tasks import BEAT_STARTED_KEY, beat_started_record
from tests import processes


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
    # Long after this process (and no beat) started.
    monkeypatch.setattr(
        views, "PROCESS_STARTED", timezone.now() - timedelta(hours=1), raising=False
    )
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["sweep"]["seconds_ago"] is None
    assert response.json()["checks"]["sweep"]["state"] == "never_ran"


# --- starting: the first minutes after `make run` ------------------------------------

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def at(seconds: float):
    return time_machine.travel(T0 + timedelta(seconds=seconds), tick=False)


@pytest.fixture
def one_job(monkeypatch):
    """Only one scheduled job, "sweep", allowed 120 s (twice a 60 s interval), whatever
    else the apps register; this process started at T0."""
    monkeypatch.setattr(views, "HEALTH_HEARTBEATS", {"sweep": 120})
    monkeypatch.setattr(views, "PROCESS_STARTED", T0, raising=False)


def sweep_state(client):
    response = client.get(reverse("health"))
    return response.status_code, response.json()["status"], response.json()["checks"]["sweep"]


@pytest.mark.django_db
def test_health_is_200_starting_before_the_first_sweep_after_a_fresh_start(client, one_job):
    with at(5):
        code, status, sweep = sweep_state(client)
    assert (code, status) == (200, "starting")
    assert sweep == {"ok": True, "state": "starting", "seconds_ago": None}


@pytest.mark.django_db
def test_a_job_that_never_runs_turns_health_503_after_twice_the_interval(client, one_job):
    with at(119):
        assert sweep_state(client)[:2] == (200, "starting")
    with at(121):
        code, status, sweep = sweep_state(client)
    assert (code, status) == (503, "unavailable")
    assert sweep["state"] == "never_ran" and sweep["ok"] is False
    # The first sweep finishes: healthy, no longer "starting".
    with at(125):
        heartbeat_record(key="sweep")
        assert sweep_state(client)[:2] == (200, "ok")


@pytest.mark.django_db
def test_after_a_restart_the_job_has_its_allowance_from_the_beat_start(client, one_job):
    with at(-86400):
        heartbeat_record(key="sweep")  # yesterday, before everything was stopped
    with at(0):
        beat_started_record()
    with at(60):
        code, status, sweep = sweep_state(client)
    assert (code, status) == (200, "starting") and sweep["seconds_ago"] == 86460
    with at(121):
        code, status, sweep = sweep_state(client)
    assert code == 503 and sweep["state"] == "late"


@pytest.mark.django_db
def test_a_web_restart_does_not_excuse_a_late_job(client, one_job):
    """Only the beat's start gives a job that has run before a new allowance."""
    with at(-3600):
        beat_started_record()
    with at(-600):
        heartbeat_record(key="sweep")
    with at(5):  # this process started at T0; the sweep stopped 10 minutes ago
        code, _, sweep = sweep_state(client)
    assert code == 503 and sweep["state"] == "late"


@pytest.mark.django_db
def test_a_beat_that_keeps_restarting_without_running_a_job_keeps_its_first_start(client, one_job):
    with at(0):
        beat_started_record()
    for seconds in (40, 80, 120):  # restarts, and never gets a job done
        with at(seconds):
            beat_started_record()
    assert Heartbeat.objects.get(key=BEAT_STARTED_KEY).beat_at == T0
    with at(125):
        assert sweep_state(client)[0] == 503
    # Once a job has run, the next start counts as a new start.
    with at(130):
        heartbeat_record(key="sweep")
    with at(400):
        beat_started_record()
    assert Heartbeat.objects.get(key=BEAT_STARTED_KEY).beat_at == T0 + timedelta(seconds=400)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_beat_process_records_its_start():
    processes.flush_broker()
    beat = processes.start("beat")
    try:
        processes.wait_for(
            lambda: Heartbeat.objects.filter(key=BEAT_STARTED_KEY).exists(),
            timeout=30,
            procs=[beat],
            what="the beat start",
        )
    finally:
        processes.stop(beat)
    started = Heartbeat.objects.get(key=BEAT_STARTED_KEY).beat_at
    assert abs((timezone.now() - started).total_seconds()) < 30
