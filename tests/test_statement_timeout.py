"""A web process caps every SQL statement; workers and commands do not."""

import os
import subprocess
import sys
from pathlib import Path

from tests.processes import database_url

ROOT = Path(__file__).resolve().parent.parent
SHOW = (
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    c.execute('SHOW statement_timeout')\n"
    "    print(c.fetchone()[0])\n"
)


def _timeout_in(preamble: str) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_STATEMENT_TIMEOUT_MS", "DJANGO_SETTINGS_MODULE")
    }
    env["DATABASE_URL"] = database_url()
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.development"
    out = subprocess.run(
        [sys.executable, "-c", preamble + SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def test_the_wsgi_application_caps_statements_at_five_seconds(db):
    assert _timeout_in("import config.wsgi\n") == "5s"


def test_a_worker_or_command_has_no_cap(db):
    assert _timeout_in("import django\ndjango.setup()\n") == "0"
