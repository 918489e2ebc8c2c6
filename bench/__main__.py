"""python -m bench [--complaints N] [--reseed] [--iterations N] ...: see bench/README.md."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from . import env

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--complaints", type=int, default=1_000_000, help="rows to seed (1,000,000)")
    p.add_argument(
        "--repairs",
        type=int,
        default=200_000,
        help="repair orders to seed beside the complaints (200,000; 0: none)",
    )
    p.add_argument(
        "--callbacks",
        type=int,
        default=50_000,
        help="callbacks (回访) still due at CH (50,000; the rest of the year's are done). "
        "Seeded on their own, for the complaints and repair orders there are, when the "
        "database holds none or another number due at CH; 0: leave them as they are",
    )
    p.add_argument(
        "--reseed-callbacks",
        action="store_true",
        help="truncate the callback tables and seed them again (the cases are kept)",
    )
    p.add_argument(
        "--reseed",
        action="store_true",
        help="truncate the complaint tables and seed again even if enough rows are there",
    )
    p.add_argument(
        "--seed-workers",
        type=int,
        default=min(os.cpu_count() or 1, 2),
        help="COPY connections loading at once (one per core, at most 2 by default)",
    )
    p.add_argument("--no-seed", action="store_true", help="measure whatever the database holds")
    p.add_argument("--seed-only", action="store_true", help="seed, then stop")
    p.add_argument("--iterations", type=int, default=30, help="timed requests per page (30)")
    p.add_argument("--warmup", type=int, default=3, help="untimed requests first (3)")
    p.add_argument(
        "--only", default="", help="comma-separated scenario names (default: all of them)"
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="EXPLAIN ANALYZE the slowest query of every page (always done for a page "
        "that misses its target)",
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", env.DEFAULT_DATABASE_URL),
        help="the benchmark's own database (BENCH_DATABASE_URL; never DATABASE_URL)",
    )
    p.add_argument("--no-sweep", action="store_true", help="skip the deadline-sweep benchmark")
    p.add_argument("--sweep-only", action="store_true", help="only the deadline-sweep benchmark")
    p.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    return p.parse_args(argv)


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def print_table(results: list[dict]) -> None:
    head = f"{'page':<46} {'user':<19} {'median':>8} {'p95':>8} {'queries':>7} "
    head += f"{'db ms':>7} {'py cpu':>7} {'rows':>5} {'target':>7} {'ratio':>5}  ok"
    print(head)
    print("-" * len(head))
    for r in results:
        q = r["queries"] if isinstance(r["queries"], int) else "/".join(map(str, r["queries"]))
        rows = "" if r["rows"] is None else r["rows"]
        print(
            f"{r['label']:<46} {r['user']:<19} {r['median_ms']:>6.1f}ms {r['p95_ms']:>6.1f}ms "
            f"{q!s:>7} {r['db_ms_median']:>7.1f} {r['python_cpu_ms_median']:>7.1f} "
            f"{rows!s:>5} {r['target_ms']:>5.0f}ms {r['median_ms'] / r['target_ms']:>5.2f}  "
            f"{'yes' if r['meets_target'] else 'NO'}"
            + (f" (≤ {r['max_queries']} queries)" if r.get("max_queries") else "")
        )


def check_constant(results: list[dict]) -> list[dict]:
    by_name = {r["name"]: r for r in results}
    checks = []
    for r in results:
        other = by_name.get(r["same_queries_as"] or "")
        if other is None:
            continue
        same = r["queries"] == other["queries"]
        checks.append(
            {
                "pages": [other["name"], r["name"]],
                "rows": [other["rows"], r["rows"]],
                "queries": [other["queries"], r["queries"]],
                "constant": same,
            }
        )
        note = ""
        if not same and 0 in (r["rows"], other["rows"]):
            note = " (an empty page skips its prefetch queries: compare pages with rows)"
        print(
            f"  queries {other['name']} ({other['rows']} rows) = {other['queries']}, "
            f"{r['name']} ({r['rows']} rows) = {r['queries']}: "
            f"{'constant' if same else 'NOT CONSTANT'}{note}"
        )
    return checks


def git_commit() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return ""
    return f"{head}{' (modified)' if dirty else ''}"


def purge_broker() -> None:
    """Drop the routing notices the intake runs queued on the benchmark's broker db."""
    try:
        import redis

        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_connect_timeout=1).delete(
            "celery"
        )
    except Exception as exc:  # noqa: BLE001 - best effort, the run is done
        print(f"  (could not purge the benchmark broker queue: {exc})")


def seed_repairs(args: argparse.Namespace, name: str) -> dict:
    """The repair orders beside the complaints (seeding complaints again truncates them:
    they point at complaints), and the technicians and shifts the scenarios use."""
    from . import repairs

    repairs.check_columns()
    count = repairs.existing_count()
    result: dict = {"skipped": True, "repair_orders_before": count}
    if args.no_seed or count >= args.repairs:
        repairs.ensure_people()
        last = RESULTS / f"seed-repairs-{name}.json"
        if last.exists():
            result["last_seed"] = json.loads(last.read_text())
        print(f"Not seeding repair orders: repairs_repairorder holds {count:,} rows.")
        return result
    if "bench" not in name:
        sys.exit(f"Refusing to truncate repair tables in {name!r}: not a bench database.")
    print(f"Seeding {args.repairs:,} repair orders (the table holds {count:,}) ...")
    result = repairs.seed(args.repairs, database_url=args.database_url, workers=args.seed_workers)
    result["skipped"] = False
    result["date"] = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
    print(f"Seeded {args.repairs:,} repair orders in {result['seconds']:.1f}s: {result}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"seed-repairs-{name}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2)
    )
    return result


def seed_callbacks(args: argparse.Namespace, name: str) -> dict:
    """The callbacks of the complaints and repair orders in the database, loaded on their
    own (the cases are not touched): again whenever their number due at CH is not the one
    asked for (e.g. after the complaints were seeded again, which truncates them), or
    with ``--reseed-callbacks``."""
    from . import callbacks

    callbacks.check_columns()
    before = callbacks.existing()
    result: dict = {"skipped": True, **before}
    stale = args.reseed_callbacks or not before["callbacks"] or before["due_ch"] != args.callbacks
    if args.no_seed or args.callbacks == 0 or not stale:
        last = RESULTS / f"seed-callbacks-{name}.json"
        if last.exists():
            result["last_seed"] = json.loads(last.read_text())
        print(
            f"Not seeding callbacks: callbacks_callback holds {before['callbacks']:,} rows, "
            f"{before['due_ch']:,} due at CH."
        )
        return result
    if "bench" not in name:
        sys.exit(f"Refusing to truncate callback tables in {name!r}: not a bench database.")
    print(f"Seeding callbacks, {args.callbacks:,} due at CH ({before}) ...")
    result = callbacks.seed(
        args.callbacks, database_url=args.database_url, workers=args.seed_workers
    )
    result["skipped"] = False
    result["date"] = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
    print(f"Seeded callbacks in {result['seconds']:.1f}s: {result}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"seed-callbacks-{name}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2)
    )
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = env.database_name(args.database_url)
    created = env.ensure_database(args.database_url)
    print(f"Database {name}{' (created)' if created else ''}")
    env.setup(args.database_url)

    from django.core.management import call_command
    from django.db import connection

    from . import measure, seed

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    print(f"migrate + seed_demo: {time.perf_counter() - t0:.1f}s")
    seed.check_columns()

    count = seed.existing_count()
    seeding: dict = {"skipped": True, "complaints_before": count}
    if not args.no_seed and (args.reseed or count < args.complaints):
        if "bench" not in name:
            sys.exit(f"Refusing to truncate complaint tables in {name!r}: not a bench database.")
        why = "--reseed" if args.reseed else f"the table holds {count:,}"
        print(f"Seeding {args.complaints:,} complaints ({why}) ...")
        seeding = seed.seed(
            args.complaints, database_url=args.database_url, workers=args.seed_workers
        )
        seeding["skipped"] = False
        seeding["date"] = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
        seeding["load_average_after"] = round(os.getloadavg()[0], 2)
        print(f"Seeded {args.complaints:,} complaints in {seeding['seconds']:.1f}s: {seeding}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"seed-{name}.json").write_text(
            json.dumps(seeding, ensure_ascii=False, indent=2)
        )
    else:
        last = RESULTS / f"seed-{name}.json"
        if last.exists():  # how the data now in the database was loaded
            seeding["last_seed"] = json.loads(last.read_text())
        print(
            f"Not seeding: complaints_complaint holds {count:,} rows "
            f"(asked for {args.complaints:,}; --reseed to start again)."
        )
    repair_seeding = seed_repairs(args, name)
    callback_seeding = seed_callbacks(args, name)
    if args.seed_only:
        return 0

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE status <> 'closed') FROM complaints_complaint"
        )
        total, open_ = cur.fetchone()
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE status <> 'closed') FROM repairs_repairorder"
        )
        repairs_total, repairs_open = cur.fetchone()
    print(
        f"Measuring on {total:,} complaints ({open_:,} open) and {repairs_total:,} repair "
        f"orders ({repairs_open:,} open), PostgreSQL {pg}\n"
    )

    load_before = os.getloadavg()
    ctx = measure.prepare()
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    results = []
    for sc in [] if args.sweep_only else measure.scenarios(ctx):
        if wanted and sc.name not in wanted:
            continue
        r = measure.run(sc, iterations=args.iterations, warmup=args.warmup)
        print(
            f"  {sc.name:<17} median {r['median_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  "
            f"{r['queries']} queries  rows {r['rows']}"
        )
        if args.explain or not r["meets_target"]:
            r["explain"] = measure.explain(r["slowest_query"])
        results.append(r)
    purge_broker()
    rates = None
    if not args.sweep_only and (not wanted or "callback_rates" in wanted):
        from . import callbacks

        print("\nThe month's callback rates (callbacks.rates.month_rates) ...")
        rates = callbacks.time_rates()
        callbacks.print_rates(rates)

    monthly = None
    if not args.sweep_only and (not wanted or "monthly_report" in wanted):
        from . import reports

        print("\nThe monthly report (reports.monthly.build_report) ...")
        monthly = reports.run()
        for key, value in monthly.items():
            if key != "estate_month_slowest_sql":
                print(f"  {key}: {value}")

    print()
    print_table(results)
    print()
    checks = check_constant(results)
    for r in results:
        if "explain" in r:
            share = r["db_ms_median"] / r["median_ms"] if r["median_ms"] else 0
            where = "the database" if share >= 0.5 else "Python (views, templates), not SQL"
            print(
                f"\n== {r['name']}: median {r['median_ms']} ms, of which SQL "
                f"{r['db_ms_median']} ms: the time goes to {where}. "
                f"Slowest query ({r['slowest_query_ms']} ms):\n"
            )
            print(r["slowest_query"])
            print()
            print(r["explain"])

    sweep_result = None
    if not args.no_sweep:
        from . import sweep

        print("\nDeadline sweep (inside a transaction that is rolled back) ...")
        sweep_result = sweep.run()
        for key, value in sweep_result.items():
            print(f"  {key}: {value}")

    import django

    report = {
        "date": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        "machine": {**machine(), "postgresql": pg, "django": django.get_version()},
        "commit": git_commit(),
        "database": name,
        "complaints": total,
        "open": open_,
        "repair_orders": repairs_total,
        "repair_orders_open": repairs_open,
        "seeding": seeding,
        "repair_seeding": repair_seeding,
        "callback_seeding": callback_seeding,
        "callback_rates": rates,
        "monthly_report": monthly,
        "iterations": args.iterations,
        "warmup": args.warmup,
        "debug": os.environ.get("DJANGO_DEBUG"),
        # Other work on the machine inflates the timings: the 1-minute load average
        # before and after the measurements.
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "results": results,
        "query_count_checks": checks,
        "sweep": sweep_result,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nWritten {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
