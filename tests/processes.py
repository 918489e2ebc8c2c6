"""Start real Celery processes (worker, beat) against the test database and broker."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database as a URL for another process: on a TCP host, or on the Unix
    socket folder of the embedded server (django-environ's percent-encoded form)."""
    db = connection.settings_dict
    user, host = db["USER"] or "postgres", db["HOST"] or "localhost"
    if host.startswith("/"):
        return f"postgres://{user}@/{quote(host, safe='')}/{db['NAME']}"
    return f"postgres://{user}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def celery_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "TEST_CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "TEST_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        **extra,
    }


def flush_broker() -> None:
    """Drop what an earlier test left in this run's queues (other runs' queues stay)."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(
        settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_DEADLINES_QUEUE
    )


# Which queues a worker takes: "worker" both (as one process did before the deadline
# sweep had its own), "general" the default queue only, "deadlines" the sweep's only.
WORKER_QUEUES = {
    "worker": lambda: [settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_DEADLINES_QUEUE],
    "general": lambda: [settings.CELERY_TASK_DEFAULT_QUEUE],
    "deadlines": lambda: [settings.CELERY_DEADLINES_QUEUE],
}


def start(kind: str, **env: str) -> subprocess.Popen:
    if kind in WORKER_QUEUES:
        args = [
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            ",".join(WORKER_QUEUES[kind]()),
            "-n",
            f"{kind}-{os.getpid()}@%h",
        ]
    else:
        schedule = Path(tempfile.mkdtemp()) / "beat-schedule"
        args = ["beat", "--loglevel=WARNING", f"--schedule={schedule}"]
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=celery_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(condition, *, timeout: float = 60, procs=(), what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        for proc in procs:
            if proc.poll() is not None:
                output = proc.stdout.read().decode(errors="replace")
                raise AssertionError(f"a Celery process exited early:\n{output}")
        time.sleep(0.02)
    logs = []
    for proc in procs:
        stop(proc)
        logs.append(proc.stdout.read().decode(errors="replace")[-3000:])
    raise AssertionError(f"timed out waiting for {what}:\n" + "\n---\n".join(logs))
