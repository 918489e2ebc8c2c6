"""A real Celery worker process on Redis (not eager mode) runs a task sent from Django."""

import uuid

import pytest

from staff.models import Heartbeat
from staff.tasks import record_heartbeat
from tests import processes


@pytest.fixture
def worker(transactional_db):
    processes.flush_broker()
    proc = processes.start("worker")
    yield proc
    processes.stop(proc)


@pytest.mark.celery_worker
def test_task_sent_from_django_runs_in_a_real_worker(worker, settings):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    key = f"smoke-{uuid.uuid4().hex[:8]}"
    record_heartbeat.delay(key)
    processes.wait_for(
        lambda: Heartbeat.objects.filter(key=key).exists(), procs=[worker], what="the task"
    )
