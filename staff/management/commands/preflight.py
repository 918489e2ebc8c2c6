"""Check that Postgres and Redis answer, and create the database if missing.

Runs before ``migrate`` in ``make run``: on failure it prints one line saying
which service, the variable to set, and how to start both with Docker.
"""

import psycopg
import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql

HINT = "or start them with: docker compose up -d db redis"


class Command(BaseCommand):
    help = "Check Postgres and Redis, create the database if it is missing."
    requires_system_checks: list = []

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        host, port = db.get("HOST") or "localhost", db.get("PORT") or 5432
        where = f"{host}:{port}"
        try:
            with psycopg.connect(
                dbname="postgres",
                autocommit=True,
                host=host,
                port=port,
                user=db.get("USER") or None,
                password=db.get("PASSWORD") or None,
                connect_timeout=3,
            ) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
                ).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
                    self.stdout.write(f"Created database {db['NAME']}.")
        except psycopg.Error as exc:
            raise CommandError(
                f"PostgreSQL at {where} cannot be reached ({type(exc).__name__}): "
                f"set DATABASE_URL, {HINT}"
            ) from None
        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=3).ping()
        except redis.RedisError as exc:
            raise CommandError(
                f"Redis at {settings.CELERY_BROKER_URL} cannot be reached "
                f"({type(exc).__name__}): set REDIS_URL, {HINT}"
            ) from None
        self.stdout.write("PostgreSQL and Redis are reachable.")
