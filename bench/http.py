"""The department queue over HTTP, served as production serves it, and how fast a
process starts.

``make bench-http`` (or ``python -m bench.http``), after ``make bench`` has seeded the
benchmark database:

1. ``collectstatic`` and ``gunicorn config.wsgi`` with the production settings (DEBUG
   off, the manifest static files, 4 sync workers), on the benchmark's database;
2. the engineering head logged in (a session in that database), and ``wrk`` on the
   queue: 8 connections, then 16; requests per second, p50/p99 and errors;
3. each web worker's memory after the load runs (VmRSS and its peak VmHWM);
4. how long a process takes to start: ``manage.py check``, a Celery worker and beat
   until they say they are ready, a gunicorn worker until it answers.

wrk, gunicorn and PostgreSQL share this machine's cores, as the issue measured them.
The targets: ≥ 120 requests/s with p99 ≤ 120 ms at 8 connections, no error at 16, a
worker ≤ 80 MB, a process started in ≤ 1.2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from . import env

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {
    "rps_8": 120,
    "p99_8_ms": 120,
    "errors_16": 0,
    "worker_rss_mb": 80,
    "start_s": 1.2,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__.split("\n")[0])
    p.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", env.DEFAULT_DATABASE_URL)
    )
    p.add_argument("--path", default="/complaints/queue/", help="the page loaded")
    p.add_argument("--user", default="eng_head", help="who is logged in")
    p.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    p.add_argument(
        "--python",
        default=sys.executable,
        help="the Python of the environment served from (make bench-http: the production "
        "one, without the development packages); default: this one",
    )
    p.add_argument("--duration", type=int, default=20, help="seconds of each wrk run")
    p.add_argument("--connections", default="8,16", help="wrk runs, by connections")
    p.add_argument("--output", type=Path, default=RESULTS / "http-latest.json")
    return p.parse_args(argv)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(database_url: str, secret: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": os.environ.get("BENCH_CELERY_BROKER_URL", env.DEFAULT_BROKER_URL),
        "PYTHONUNBUFFERED": "1",
    }


def login(database_url: str, secret: str, username: str) -> str:
    """A session of ``username`` in the benchmark's database, signed with ``secret``."""
    os.environ["DJANGO_SECRET_KEY"] = secret
    env.setup(database_url)
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


def _wait_for(port: int, timeout: float = 30.0) -> float:
    """Seconds until the port answers an HTTP request."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)  # noqa: S310
            return time.perf_counter() - t0
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"gunicorn did not answer on port {port} within {timeout:.0f} s")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    socket_errors = sum(map(int, sockets.groups())) if sockets else 0
    return {
        "requests_per_s": rps,
        "requests": requests,
        "p50_ms": round(_ms(latency["50"]), 1),
        "p90_ms": round(_ms(latency["90"]), 1),
        "p99_ms": round(_ms(latency["99"]), 1),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors,
        "errors": (int(non_2xx.group(1)) if non_2xx else 0) + socket_errors,
    }


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _memory_mb(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    kb = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
    return {k: round(int(v) / 1024, 1) for k, v in kb.items()}


def _seconds_until(cmd: list[str], ready: str, env_: dict[str, str], timeout=60.0) -> float:
    """Seconds from starting ``cmd`` until a line of its output holds ``ready``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603
        cmd, cwd=ROOT, env=env_, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if ready in line:
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > timeout:
                break
        raise SystemExit(f"{' '.join(cmd)} never said {ready!r}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def process_starts(env_: dict[str, str], python: str, runs: int = 3) -> dict[str, float]:
    """Median seconds to start each kind of process (development settings, as a worker
    and beat run; the schedule goes to a throwaway file)."""
    dev = {**env_, "DJANGO_SETTINGS_MODULE": "config.settings.development"}
    bin_ = Path(python).parent
    schedule = RESULTS / "bench-celerybeat-schedule"
    kinds = {
        "manage_py_check_s": lambda: _timed([python, "manage.py", "check"], dev),
        "celery_worker_s": lambda: _seconds_until(
            [str(bin_ / "celery"), "-A", "config", "worker", "--pool=solo", "-Q",
             "bench-start", "-n", f"bench-start-{os.getpid()}@%h", "--loglevel=INFO",
             "--without-mingle", "--without-gossip"],
            "ready.", dev,
        ),
        "celery_beat_s": lambda: _seconds_until(
            [str(bin_ / "celery"), "-A", "config", "beat", "--loglevel=DEBUG",
             f"--schedule={schedule}"],
            "beat: Starting", dev,
        ),
    }  # fmt: skip
    out = {
        name: round(statistics.median(run() for _ in range(runs)), 2) for name, run in kinds.items()
    }
    for leftover in RESULTS.glob("bench-celerybeat-schedule*"):
        leftover.unlink()
    return out


def _timed(cmd: list[str], env_: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env_, check=True, capture_output=True)  # noqa: S603
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk (Debian's package)")
    secret = secrets.token_urlsafe(64)
    env_ = production_env(args.database_url, secret)
    cookie = login(args.database_url, secret, args.user)
    subprocess.run(  # noqa: S603
        [args.python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env_,
        check=True,
    )
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(Path(args.python).parent / "gunicorn"), "config.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(args.workers), "--worker-class", "sync"],
        cwd=ROOT, env=env_,
    )  # fmt: skip
    result: dict = {
        "date": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        "path": args.path,
        "user": args.user,
        "workers": args.workers,
        "python": args.python,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        result["gunicorn_first_answer_s"] = round(_wait_for(port), 2)
        url = f"http://127.0.0.1:{port}{args.path}"
        request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
            body = resp.read().decode()
            if resp.status != 200 or 'data-testid="complaint-table"' not in body:
                sys.exit(f"{url} did not answer the logged-in page (HTTP {resp.status})")
        runs = {}
        for connections in [int(c) for c in args.connections.split(",")]:
            # A short warm-up, then the measured run.
            wrk = ["wrk", "-t2", f"-c{connections}", "--latency", "-H",
                   f"Cookie: sessionid={cookie}", url]  # fmt: skip
            subprocess.run([*wrk[:1], "-d3s", *wrk[1:]], check=True, capture_output=True)  # noqa: S603
            out = subprocess.run(  # noqa: S603
                [*wrk[:1], f"-d{args.duration}s", *wrk[1:]],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            runs[connections] = parse_wrk(out)
            print(f"  {connections} connections: {runs[connections]}")
        result["runs"] = {str(k): v for k, v in runs.items()}
        workers = [_memory_mb(pid) for pid in _children(server.pid)]
        result["worker_memory_mb"] = workers
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["process_start"] = process_starts(env_, args.python)
    first, *_rest = runs.values()
    last = list(runs.values())[-1]
    worst_rss = max((w.get("VmRSS", 0) for w in workers), default=0)
    figures = {
        "rps_8": first["requests_per_s"],
        "p99_8_ms": first["p99_ms"],
        "errors_16": last["errors"],
        "worker_rss_mb": worst_rss,
        "start_s": max(result["process_start"].values()),
    }
    result["figures"] = figures
    result["targets"] = TARGETS
    print()
    for name, target in TARGETS.items():
        value = figures[name]
        higher_is_better = name == "rps_8"
        ok = value >= target if higher_is_better else value <= target
        ratio = (value / target) if target else float(value)
        sign = "≥" if higher_is_better else "≤"
        print(f"  {name:<14} {value:>8}   target {sign} {target:<6} ratio {ratio:5.2f}  "
              f"{'yes' if ok else 'NO'}")  # fmt: skip
    print(f"  process starts: {result['process_start']}")
    print(f"  workers' memory: {workers}")
    print(f"  load average before {result['load_average_before']}, after "
          f"{result['load_average_after']}")  # fmt: skip
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"\nWritten {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
