"""A real Celery worker process on Redis (not eager mode) runs a task sent from Django."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from staff.models import Heartbeat
from staff.tasks import record_heartbeat

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def celery_worker_process(transactional_db):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or 'localhost'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "TEST_CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.celery_worker
def test_task_sent_from_django_runs_in_a_real_worker(celery_worker_process, settings):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    key = f"smoke-{uuid.uuid4().hex[:8]}"
    record_heartbeat.delay(key)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(key=key).exists():
            break
        if celery_worker_process.poll() is not None:
            output = celery_worker_process.stdout.read().decode(errors="replace")
            pytest.fail(f"the worker exited early:\n{output}")
        time.sleep(0.2)
    else:
        pytest.fail("the worker did not write the heartbeat within 60 s")
