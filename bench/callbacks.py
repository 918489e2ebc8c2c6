"""Seed the callbacks (回访) of the seeded complaints and repair orders with COPY, on their
own: the complaints and repair orders stay as they are; the callback tables (and the
callbacks' alarms) are truncated and loaded again. And time the month's rates.

What the application would have written (``callbacks.services``): one callback per
closed complaint (due from ``closed_at``) and per repair order whose work is done (due
from its hand-in: 00:00 after the Friday of the week of ``finished_at``, so this week's
repairs are due from next Saturday), at the case's estate and department:

- a complaint that is anonymous or out of scope: ``not_needed`` at once;
- still ``due``: the newest ``due_ch`` (50,000) at 翠湖花园 (CH), counting the repairs
  not handed in yet; at each other estate those repairs and the newest ``due_other``
  (30) complaints. A fifth of them were tried once or twice and not reached; those
  past their deadline have had both alarms fire (rows in ``casework_alarm`` and an
  "overdue" log line), the others wait for theirs (``sweep_at``);
- the rest, the past year: called back, 94 % done (satisfied 75 %, basically 21 %, not
  satisfied 4 %; by phone 92 %, visit 8 %) and 6 % unreachable after 3 tries; most
  within the deadline, 8 % late.

Deadlines come from the application: ``callbacks.policy.DUE`` through the company's rule
book, computed once per local day (3 working days: by the end of the working hours of
the third working day after the start day, whatever the hour) and checked at both ends
of the day. The log has one line per step (opened, not reached, done / unreachable /
not needed, overdue). Simplified: no public letters, visits carry no drawn signature,
a "not satisfied" complaint is not reopened, the alarms of callbacks already recorded
are not written.
"""

from __future__ import annotations

import datetime as dt
import queue
import random
import statistics
import time

from .seed import (
    DAY,
    LOCAL,
    NULL,
    _check_committed,
    _drain,
    _end_phase,
    _libpq,
    _put,
    _release,
    _superuser,
    _table,
    copy_setup,
    log,
    recount,
    start_pool,
)

CALLBACK_TABLES = ["callbacks_callback", "callbacks_callbackevent", "callbacks_publicletter"]
COLUMNS = [
    "id",
    "estate_id",
    "kind",
    "complaint_id",
    "repair_order_id",
    "department_id",
    "opened_at",
    "week_of",
    "callback_due",
    "status",
    "tries",
    "last_tried_at",
    "method",
    "satisfaction",
    "attitude",
    "speed",
    "quality",
    "words",
    "done_at",
    "done_by_id",
    "next_due",
    "sweep_at",
]
EVENT_COLUMNS = ["callback_id", "kind", "at", "actor_id", "note", "data"]
ALARM_COLUMNS = ["case_type", "case_id", "clock", "kind", "due_at", "fired_at"]

SATISFACTION = {"satisfied": 75, "basic": 21, "not_satisfied": 4}
WORDS = [
    "",
    "",
    "",
    "处理得很及时，谢谢",
    "师傅态度很好",
    "基本解决了，希望以后注意",
    "还可以",
    "希望下次早点来",
    "问题已解决",
]


def existing() -> dict:
    """How many callbacks there are, and how many are due at CH."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE c.status = 'due' AND e.code = 'CH') "
            "FROM callbacks_callback c JOIN staff_estate e ON e.id = c.estate_id"
        )
        total, due_ch = cur.fetchone()
    return {"callbacks": total, "due_ch": due_ch}


def check_columns() -> None:
    """Fail loudly if the model lost a column this loader fills; say which it leaves out."""
    import sys

    from callbacks.models import Callback

    model = {str(f.column) for f in Callback._meta.concrete_fields}
    unknown = set(COLUMNS) - model
    if unknown:
        sys.exit(f"bench.callbacks: columns gone from Callback: {sorted(unknown)}")
    missing = model - set(COLUMNS)
    if missing:
        log(f"  note: callback columns left to their database default: {sorted(missing)}")


class Deadlines:
    """``callback_due`` as ``callbacks.services`` sets it (``book.due_after(DUE, start)``),
    once per company and local day: the rule counts working days from the start *day*,
    checked at the day's first and last second."""

    def __init__(self, company_of: dict[int, int | None]):
        from callbacks import policy
        from casework.rules import RuleBooks

        books = RuleBooks()
        self.rule = policy.DUE
        self.books = {eid: books(cid) for eid, cid in company_of.items()}
        self.cache: dict[tuple[int, int], int] = {}
        self.calls = 0

    def due(self, estate_id: int, t: int) -> int:
        day = (t + LOCAL) // DAY
        key = (estate_id, day)
        if key not in self.cache:
            first = day * DAY - LOCAL
            book = self.books[estate_id]
            ends = [
                int(book.due_after(self.rule, dt.datetime.fromtimestamp(x, dt.UTC)).timestamp())
                for x in (first, first + DAY - 1)
            ]
            self.calls += 2
            if ends[0] != ends[1]:
                raise RuntimeError(f"callback deadline depends on the hour on day {day}")
            self.cache[key] = ends[0]
        return self.cache[key]


class Writer:
    """Timestamps and dates as COPY text, from tables built once."""

    def __init__(self, now: int):
        self.d0 = (now - 3 * 365 * DAY) // DAY
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        self.days = [epoch + dt.timedelta(days=d) for d in range(self.d0, self.d0 + 4 * 366)]
        self.day_str = [d.strftime("%Y-%m-%d ") for d in self.days]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]

    def ts(self, t: int | None) -> str:
        if t is None:
            return NULL
        d, sec = divmod(int(t), DAY)
        return self.day_str[d - self.d0] + self.hms[sec]


def handed_in(t: int) -> tuple[int, str]:
    """``callbacks.services.open_for_repair``: the Friday of the (local) week the work was
    done in, and the moment after it, 00:00 on Saturday, when the callback falls due."""
    day = (t + LOCAL) // DAY  # 1970-01-01 was a Thursday
    friday = day + (4 - (day + 3) % 7) % 7
    week_of = dt.date(1970, 1, 1) + dt.timedelta(days=friday)
    return (friday + 1) * DAY - LOCAL, week_of.isoformat()


def check_handed_in() -> None:
    """Fail loudly if ``handed_in`` no longer agrees with ``callbacks.services``."""
    from django.utils import timezone

    from callbacks.services import friday_of

    tz = timezone.get_current_timezone()
    for days in range(14):
        for hour in (0, 12, 23):
            done = dt.datetime(2026, 11, 1, hour, 59, 59, tzinfo=tz) + dt.timedelta(days=days)
            friday = friday_of(done.date())
            due = dt.datetime.combine(friday + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            if handed_in(int(done.timestamp())) != (int(due.timestamp()), friday.isoformat()):
                raise RuntimeError(f"bench.callbacks.handed_in disagrees with the app at {done}")


def _cases(url: str) -> list[tuple]:
    """(due from, kind, case id, estate, department, not needed, actor, week) of every
    closed complaint and every repair whose work is done, oldest first."""
    import psycopg

    rows: list[tuple] = []
    with psycopg.connect(url) as conn, conn.cursor(name="cases") as cur:
        cur.itersize = 50_000
        cur.execute(
            "SELECT extract(epoch FROM closed_at)::bigint, id, estate_id, department_id, "
            "anonymous OR closure = 'out_of_scope', received_by_id FROM complaints_complaint "
            "WHERE status = 'closed' AND closed_at IS NOT NULL"
        )
        rows.extend((t, "complaint", i, e, d, nn, a, None) for t, i, e, d, nn, a in cur)
    with psycopg.connect(url) as conn, conn.cursor(name="orders") as cur:
        cur.itersize = 50_000
        cur.execute(
            "SELECT extract(epoch FROM finished_at)::bigint, id, estate_id, department_id, "
            "technician_id FROM repairs_repairorder WHERE finished_at IS NOT NULL"
        )
        for t, i, e, d, a in cur:
            opened, week = handed_in(t)
            rows.append((opened, "repair", i, e, d, False, a, week))
    rows.sort()
    return rows


def _due_marks(cases: list[tuple], due_ch: int, due_other: int, ch: int, now: int) -> set[int]:
    """Indexes of the callbacks left due: the newest ``due_ch`` at CH, counting the repairs
    not handed in yet (due whatever the number); at the other estates those repairs and
    the newest ``due_other`` complaints."""
    left: dict[int, int] = {}
    marks: set[int] = set()
    for i in range(len(cases) - 1, -1, -1):
        t, kind, _id, estate, _d, not_needed, _a, _w = cases[i]
        if not_needed:
            continue
        if estate not in left:
            left[estate] = due_ch if estate == ch else due_other
        if t > now:
            marks.add(i)
            left[estate] -= estate == ch
        elif left[estate] > 0 and (estate == ch or kind == "complaint"):
            marks.add(i)
            left[estate] -= 1
    return marks


class Generator:
    def __init__(self, refs: dict, now: int, seed: int = 2028):
        self.now = now
        self.rng = random.Random(seed)
        self.w = Writer(now)
        self.deadlines = Deadlines(refs["company_of"])
        self.desk = refs["desk"]
        self.satisfaction = _table(SATISFACTION, 100)
        self.stats = {"due": 0, "overdue": 0, "done": 0, "unreachable": 0, "not_needed": 0}
        self.alarms: list[str] = []

    def row(self, cid: int, case: tuple, due: bool) -> tuple[str, str]:
        """One callback's COPY line and its log lines."""
        t, kind, case_id, estate, dept, not_needed, actor, week_of = case
        rnd, ts, now = self.rng.random, self.w.ts, self.now
        clerk = self.desk[estate]
        opened_by = str(actor) if actor is not None else NULL
        events = f"{cid}\topened\t{ts(t)}\t{opened_by}\t\t{{}}\n"
        callback_due = next_due = sweep_at = last_tried = done_at = done_by = None
        tries, method, words = 0, "", ""
        sat = attitude = speed = quality = ""
        if not_needed:
            status, done_at = "not_needed", t
            events = f"{cid}\tnot_needed\t{ts(t)}\t{opened_by}\t\t{{}}\n"
            self.stats["not_needed"] += 1
        else:
            callback_due = self.deadlines.due(estate, t)
            span = callback_due - t
            if due:
                status = "due"
                next_due = callback_due
                if rnd() < 0.2 and t < now - 3600:
                    tries, method = 1 + int(rnd() * 2), "phone"
                    for k in range(tries):
                        at = min(t + int(span * (0.2 + 0.3 * k + 0.2 * rnd())), now - 60)
                        events += f'{cid}\tnot_reached\t{ts(at)}\t{clerk}\t\t{{"tries": {k + 1}}}\n'
                        last_tried = at
                reminder = t + span * 3 // 4
                if reminder > now:
                    sweep_at = reminder
                elif callback_due > now:
                    sweep_at = callback_due
                    self._alarm(cid, "reminder", callback_due, reminder)
                else:
                    self._alarm(cid, "reminder", callback_due, reminder)
                    self._alarm(cid, "due", callback_due, callback_due)
                    iso = dt.datetime.fromtimestamp(callback_due, dt.UTC).isoformat()
                    events += f'{cid}\toverdue\t{ts(callback_due)}\t{NULL}\t\t{{"due": "{iso}"}}\n'
                    self.stats["overdue"] += 1
                self.stats["due"] += 1
            else:
                late = rnd() < 0.08
                delay = span + int(rnd() * 2 * DAY) if late else int(span * (0.05 + 0.9 * rnd()))
                done_at = last_tried = max(min(t + max(delay, 300), now - 60), t)
                done_by = clerk
                method = "visit" if rnd() < 0.08 else "phone"
                if rnd() < 0.06:
                    status, tries = "unreachable", 3
                    events += f'{cid}\tunreachable\t{ts(done_at)}\t{clerk}\t\t{{"tries": 3}}\n'
                    self.stats["unreachable"] += 1
                else:
                    status = "done"
                    tries = 1 if rnd() < 0.85 else 2 + int(rnd() * 2)
                    sat = self.satisfaction[int(rnd() * 100)]
                    if kind == "repair":
                        pick = self.satisfaction
                        attitude, speed, quality = (pick[int(rnd() * 100)] for _ in range(3))
                    words = WORDS[int(rnd() * len(WORDS))]
                    events += (
                        f"{cid}\tdone\t{ts(done_at)}\t{clerk}\t{words}\t"
                        f'{{"satisfaction": "{sat}"}}\n'
                    )
                    self.stats["done"] += 1
        fields = [
            str(cid),
            str(estate),
            kind,
            str(case_id) if kind == "complaint" else NULL,
            str(case_id) if kind == "repair" else NULL,
            NULL if dept is None else str(dept),
            ts(t),
            week_of or NULL,
            ts(callback_due),
            status,
            str(tries),
            ts(last_tried),
            method,
            sat,
            attitude,
            speed,
            quality,
            words,
            ts(done_at),
            NULL if done_by is None else str(done_by),
            ts(next_due),
            ts(sweep_at),
        ]
        return "\t".join(fields) + "\n", events

    def _alarm(self, cid: int, kind: str, due: int, fired: int) -> None:
        ts = self.w.ts
        self.alarms.append(f"callback\t{cid}\tcallback\t{kind}\t{ts(due)}\t{ts(fired)}\n")


def _refs() -> dict:
    from django.contrib.auth import get_user_model

    from staff.models import Estate

    users = dict(get_user_model().objects.values_list("username", "id"))
    estates = list(Estate.objects.values_list("id", "code", "company_id"))
    desk_of = {"CH": users["clerk"], "JR": users.get("clerk_jr", users["clerk"])}
    return {
        "company_of": {eid: company for eid, _code, company in estates},
        "desk": {eid: desk_of.get(code, users["clerk"]) for eid, code, _c in estates},
        "codes": {eid: code for eid, code, _c in estates},
    }


def seed(
    due_ch: int, *, database_url: str, due_other: int = 30, workers: int = 2, chunk: int = 5000
) -> dict:
    """Truncate the callback tables and load the callbacks of every closed complaint and
    finished repair: ``due_ch`` still due at CH, ``due_other`` at each other estate."""
    import psycopg
    from django.db import connection

    started = time.perf_counter()
    check_handed_in()
    refs = _refs()
    connection.close()
    url = _libpq(database_url)
    cases = _cases(url)
    now = int(time.time())
    ch = next(eid for eid, code in refs["codes"].items() if code == "CH")
    due = _due_marks(cases, due_ch, due_other, ch, now)
    log(f"  {len(cases):,} cases to call back read in {time.perf_counter() - started:.1f}s")
    gen = Generator(refs, now)

    with psycopg.connect(url, autocommit=True) as conn:
        fast = _superuser(conn)
        conn.execute(f"TRUNCATE {', '.join(CALLBACK_TABLES)} RESTART IDENTITY CASCADE")
        conn.execute("DELETE FROM casework_alarm WHERE case_type = 'callback'")
    log(f"  truncated {', '.join(CALLBACK_TABLES)}; the callback alarms deleted")
    if not fast:
        workers = 1
    setup = copy_setup(fast)
    callback_q: queue.Queue = queue.Queue(maxsize=4 * workers)
    event_q: queue.Queue = queue.Queue(maxsize=4 * workers)
    alarm_q: queue.Queue = queue.Queue(maxsize=4 * workers)
    phases = [
        (f"COPY callbacks_callback ({', '.join(COLUMNS)}) FROM STDIN", callback_q),
        (f"COPY callbacks_callbackevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN", event_q),
        (f"COPY casework_alarm ({', '.join(ALARM_COLUMNS)}) FROM STDIN", alarm_q),
    ]
    pool = start_pool(url, setup, phases, workers)
    ok = False
    n_events = 0
    try:
        t0 = time.perf_counter()
        buf: list[str] = []
        events: list[str] = []
        for i, case in enumerate(cases):
            line, ev = gen.row(i + 1, case, i in due)
            buf.append(line)
            events.append(ev)
            if len(buf) >= chunk:
                _put(callback_q, "".join(buf), pool)
                buf.clear()
        if buf:
            _put(callback_q, "".join(buf), pool)
        _end_phase(callback_q, pool)
        t_gen = time.perf_counter() - t0
        for k in range(0, len(events), chunk):
            text = "".join(events[k : k + chunk])
            n_events += text.count("\n")
            _put(event_q, text, pool)
        _end_phase(event_q, pool)
        for k in range(0, len(gen.alarms), chunk):
            _put(alarm_q, "".join(gen.alarms[k : k + chunk]), pool)
        _end_phase(alarm_q, pool)
        del events
        _drain(pool)
        t_copy = time.perf_counter() - t0
        ok = True
    finally:
        _release(pool, ok)
    _check_committed(pool)
    log(
        f"  COPY {len(cases):,} callbacks + {n_events:,} log lines + {len(gen.alarms):,} "
        f"alarms: {t_copy:.1f}s (generation done after {t_gen:.1f}s)"
    )
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        for table in ("callbacks_callback", "callbacks_callbackevent", "casework_alarm"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        recount(cur, "callbacks_callback")
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute(
            "VACUUM (ANALYZE) callbacks_callback, callbacks_callbackevent, casework_alarm, "
            "callbacks_callbackmonth"
        )
    t_vacuum = time.perf_counter() - t0
    log(f"  sequences, VACUUM ANALYZE: {t_vacuum:.1f}s")
    return {
        "callbacks": len(cases),
        "events": n_events,
        "alarms": len(gen.alarms),
        **gen.stats,
        "due_asked": {"CH": due_ch, "other estates (complaints)": due_other},
        "rule_calls": gen.deadlines.calls,
        "copy_connections": workers,
        "copy_s": round(t_copy, 1),
        "vacuum_analyze_s": round(t_vacuum, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def time_rates(*, iterations: int = 10) -> list[dict]:
    """``callbacks.rates.month_rates`` of last month and this month, for CH and for both
    estates: median wall time and the query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from callbacks.rates import month_rates
    from staff.models import Estate

    ids = dict(Estate.objects.values_list("code", "id"))
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    results = []
    for label, estates, month in (
        ("CH, last month", [ids["CH"]], last_month),
        ("CH + JR, last month", list(ids.values()), last_month),
        ("CH, this month", [ids["CH"]], this_month),
    ):
        month_rates(estates, month)  # warm up
        times = []
        for _ in range(iterations):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                r = month_rates(estates, month)
                times.append((time.perf_counter() - t0) * 1000)
        results.append(
            {
                "label": label,
                "month": month.isoformat(),
                "callbacks": r.total.callbacks,
                "median_ms": round(statistics.median(times), 1),
                "min_ms": round(min(times), 1),
                "queries": len(ctx.captured_queries),
                "complaint_rate": r.total.complaint_rate,
                "slowest_query": max(ctx.captured_queries, key=lambda q: float(q["time"]))["sql"],
            }
        )
    return results


def print_rates(results: list[dict]) -> None:
    for r in results:
        print(
            f"  month_rates {r['label']:<22} {r['callbacks']:>7,} callbacks  "
            f"median {r['median_ms']:6.1f} ms  min {r['min_ms']:6.1f} ms  {r['queries']} queries"
        )
