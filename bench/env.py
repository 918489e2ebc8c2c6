"""Point Django at the benchmark's own database (created if missing), then set it up.

Everything here runs before ``django.setup()``: the settings read the environment once.
The developer's database is never touched: ``DATABASE_URL`` is overwritten with the
benchmark's URL (``BENCH_DATABASE_URL`` or ``--database-url``), whatever the shell or
``.env`` says.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@localhost:5432/servicedesk_bench"
# Intake routes a complaint, which queues a Celery notice; keep those messages away from
# the developer's broker database (they are purged when the run ends).
DEFAULT_BROKER_URL = "redis://localhost:6379/14"


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def configure(database_url: str) -> None:
    """Environment for config.settings.development, as a production-like process."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.development"
    hosts = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    os.environ["DJANGO_ALLOWED_HOSTS"] = ",".join(
        [*hosts, "testserver"] if "testserver" not in hosts else hosts
    )
    # Measure what production runs: no debug pages, no query log (the benchmark counts
    # queries itself). DJANGO_DEBUG=true in the shell turns debug back on.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ["CELERY_BROKER_URL"] = os.environ.get("BENCH_CELERY_BROKER_URL", DEFAULT_BROKER_URL)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"


def ensure_database(database_url: str) -> bool:
    """Create the database on the server's 'postgres' maintenance database if missing.

    Returns True when it was created.
    """
    import psycopg
    from psycopg import sql

    name = database_name(database_url)
    parts = urlsplit(database_url)
    maintenance = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def setup(database_url: str) -> None:
    configure(database_url)
    import django

    django.setup()
