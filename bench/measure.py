"""Time the real views through Django's test Client, logged in as the demo users.

Each scenario runs ``warmup`` requests, then ``iterations`` timed ones; every timed
request is wrapped in ``CaptureQueriesContext`` for its query count and database time.
The Client goes through the whole middleware stack (sessions, auth, locale, CSP, axes)
and the templates, as a browser request would, minus the network and the WSGI server.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time
from dataclasses import dataclass, field

ROW = '<tr data-testid="complaint-row">'
BOARD_LINE = 'data-testid="board-line"'
CALLBACK_ROW = 'data-testid="callback-row"'
SHORT_QUEUE_USER = "bench_head_jr_green"


@dataclass
class Scenario:
    name: str
    label: str
    user: str
    path: str
    params: dict = field(default_factory=dict)
    method: str = "get"
    # The bound for a page: 25 ms (queue, lists, a two-character search, the
    # repair and callback pages); detail pages 15 ms in at most 10 queries.
    target_ms: float = 25.0
    max_queries: int | None = None
    expect: int = 200
    # A scenario of the same page with another number of rows: their counts must agree.
    same_queries_as: str | None = None
    # What marks one row of the page (counted); None: rows are not counted.
    row_marker: str | None = ROW


def scenarios(ctx: dict) -> list[Scenario]:
    filters = {"grade": "important", "open_only": "on", "category": "engineering"}
    return [
        Scenario(
            "intake",
            "Intake POST (route to 工程部)",
            "clerk",
            "/complaints/intake/",
            ctx["intake_data"],
            method="post",
            expect=302,
            target_ms=30,
        ),
        Scenario(
            "intake_long",
            "Intake POST, a 5,000-character description",
            "clerk",
            "/complaints/intake/",
            {**ctx["intake_data"], "description": LONG_DESCRIPTION},
            method="post",
            expect=302,
            target_ms=100,
        ),
        Scenario("queue", "Department queue, 工程部 (200 rows)", "eng_head", "/complaints/queue/"),
        Scenario(
            "queue_short",
            "Department queue, JR 绿化 (few rows)",
            SHORT_QUEUE_USER,
            "/complaints/queue/",
            same_queries_as="queue",
        ),
        Scenario(
            "list_filtered",
            "List: important, open, engineering",
            "supervisor",
            "/complaints/",
            filters,
        ),
        Scenario(
            "list_overdue",
            "List: important, open, engineering, overdue",
            "supervisor",
            "/complaints/",
            {**filters, "overdue": "on"},
            same_queries_as="list_filtered",
        ),
        Scenario(
            "list_few",
            "List: major, reopened, engineering (few rows)",
            "supervisor",
            "/complaints/",
            {"grade": "major", "status": "reopened", "category": "engineering"},
            same_queries_as="list_filtered",
        ),
        Scenario(
            "list_all_overdue",
            "List: overdue, all categories",
            "supervisor",
            "/complaints/",
            {"overdue": "on"},
            same_queries_as="list_filtered",
        ),
        Scenario(
            "list_gm",
            "List: no filter (GM, all estates)",
            "gm",
            "/complaints/",
            same_queries_as="list_filtered",
        ),
        Scenario(
            "list_fully_closed",
            "List: fully closed (callback settled)",
            "supervisor",
            "/complaints/",
            {"callback": "fully_closed"},
            same_queries_as="list_filtered",
        ),
        Scenario(
            "list_callback_pending",
            "List: closed, callback pending",
            "supervisor",
            "/complaints/",
            {"callback": "callback_pending"},
            same_queries_as="list_filtered",
        ),
        Scenario(
            "search",
            "Search 漏水 (supervisor, one estate)",
            "supervisor",
            "/complaints/",
            {"q": "漏水"},
        ),
        Scenario(
            "search_gm",
            "Search 漏水 (GM, all estates)",
            "gm",
            "/complaints/",
            {"q": "漏水"},
            same_queries_as="search",
        ),
        Scenario(
            "search_phrase",
            "Search 电梯故障 (supervisor, 3 bigrams)",
            "supervisor",
            "/complaints/",
            {"q": "电梯故障"},
            target_ms=80,
            same_queries_as="search",
        ),
        *detail_scenarios(ctx),
        *repair_scenarios(),
        *callback_scenarios(),
        *report_scenarios(ctx),
    ]


def detail_scenarios(ctx: dict) -> list[Scenario]:
    """The page of one case: an open complaint (its action forms), a closed repair order
    (its fee lines and the resident's signature) and a callback due; those the database
    holds none of are left out."""
    pages = [
        Scenario("complaint_detail", "Complaint page (open, supervisor)", "supervisor",
                 f"/complaints/{ctx['open_complaint']}/", target_ms=15, max_queries=10,
                 row_marker=None),
        Scenario("complaint_detail_closed", "Complaint page (closed, supervisor)", "supervisor",
                 f"/complaints/{ctx['closed_complaint']}/", target_ms=15, max_queries=10,
                 row_marker=None),
        Scenario("repair_detail", "Repair order page (closed, engineering head)", "eng_head",
                 f"/repairs/{ctx['closed_repair']}/", target_ms=15, max_queries=10,
                 row_marker=None),
        Scenario("callback_record", "Callback page (due, clerk)", "clerk",
                 f"/callbacks/{ctx['due_callback']}/", target_ms=15, max_queries=10,
                 row_marker=None),
    ]  # fmt: skip
    cases = ("open_complaint", "closed_complaint", "closed_repair", "due_callback")
    return [sc for sc, case in zip(pages, cases, strict=True) if ctx[case] is not None]


def report_scenarios(ctx: dict) -> list[Scenario]:
    """The supervisor's pages of the reports app: the estate overview, the list of monthly
    reports and last month's stored report (its own bound: 300 ms)."""
    return [
        Scenario("report_overview", "Estate overview (supervisor)", "supervisor",
                 "/reports/overview/", row_marker=None),
        Scenario("report_list", "Monthly reports (supervisor)", "supervisor",
                 "/reports/monthly/", row_marker=None),
        Scenario("report_page", "Last month's report, CH (supervisor)", "supervisor",
                 f"/reports/monthly/{ctx['report']}/", target_ms=300, row_marker=None),
    ]  # fmt: skip


def repair_scenarios() -> list[Scenario]:
    """The engineering board (its lines: at most 40 a state) and the technician's page,
    over the 200,000 repair orders."""
    board, live = "/repairs/board/", "/repairs/board/live/"
    few = {"urgency": "emergency", "state": "arrived"}
    # The figures of a whole month (the current one may have just begun).
    first = dt.datetime.now(dt.UTC).astimezone().date().replace(day=1)
    last_month = {"month": f"{first - dt.timedelta(days=1):%Y-%m}"}
    return [
        Scenario("repair_board", "Repair board, CH (engineering head)", "eng_head", board,
                 row_marker=BOARD_LINE),
        Scenario("repair_board_few", "Repair board: emergencies on site (few)", "eng_head",
                 board, few, same_queries_as="repair_board", row_marker=BOARD_LINE),
        Scenario("repair_board_month", "Repair board, last month's figures", "eng_head",
                 board, last_month, same_queries_as="repair_board", row_marker=BOARD_LINE),
        Scenario("repair_board_late", "Repair board: late only", "eng_head", board,
                 {"late": "on"}, same_queries_as="repair_board", row_marker=BOARD_LINE),
        Scenario("repair_board_jr", "Repair board, JR (engineering head)",
                 "head_engineering_jr", board, same_queries_as="repair_board",
                 row_marker=BOARD_LINE),
        Scenario("repair_live", "Repair board, live fragment", "eng_head", live,
                 row_marker=BOARD_LINE),
        Scenario("repair_live_few", "Repair board, live fragment (few)", "eng_head", live, few,
                 same_queries_as="repair_live", row_marker=BOARD_LINE),
        Scenario("repair_mine", "Technician's page (tech, CH)", "tech", "/repairs/",
                 row_marker=None),
        Scenario("repair_mine_jr", "Technician's page (a JR technician)", "bench_tech_jr_1",
                 "/repairs/", same_queries_as="repair_mine", row_marker=None),
    ]  # fmt: skip


def callback_scenarios() -> list[Scenario]:
    """The desk's callback list (回访): CH with 50,000 due (its first page of 50, the
    counts, the hand-in weeks and the month's rates), and JR's 30 complaints due."""
    path = "/callbacks/"
    return [
        Scenario("callback_list", "Callbacks due, CH (50,000 due)", "clerk", path,
                 row_marker=CALLBACK_ROW),
        Scenario("callback_list_repairs", "Callbacks due, CH, repairs only", "clerk", path,
                 {"kind": "repair"}, same_queries_as="callback_list", row_marker=CALLBACK_ROW),
        Scenario("callback_list_jr", "Callbacks due, JR, complaints (few)", "clerk_jr", path,
                 {"kind": "complaint"}, same_queries_as="callback_list",
                 row_marker=CALLBACK_ROW),
    ]  # fmt: skip


# A letter (来函) copied in whole: the longest description the desk accepts.
LONG_DESCRIPTION = (
    "住户来函：楼上卫生间长期渗水，天花板霉变，多次报修未果，要求彻底维修并赔偿。" * 200
)[:5000]


def prepare() -> dict:
    """The bench-only department head, and the intake form's data."""
    from django.contrib.auth import get_user_model

    from staff.models import Department, Estate, Resident, StaffProfile
    from staff.roles import Role
    from staff.services import staff_profile_set_role_group

    jr = Estate.objects.get(code="JR")
    green = Department.objects.get(estate=jr, kind=Department.Kind.LANDSCAPING)
    user, _ = get_user_model().objects.get_or_create(
        username=SHORT_QUEUE_USER, defaults={"last_name": "基准", "first_name": "绿化"}
    )
    StaffProfile.objects.get_or_create(
        user=user,
        defaults={"role": Role.DEPARTMENT_HEAD, "estate": jr, "department": green},
    )
    staff_profile_set_role_group(user=user, role=Role.DEPARTMENT_HEAD)

    ch = Estate.objects.get(code="CH")
    engineering = Department.objects.get(estate=ch, kind=Department.Kind.ENGINEERING)
    resident = (
        Resident.objects.filter(unit__estate=ch).exclude(phone="").order_by("unit_id", "id")[7]
    )
    intake_data = {
        "channel": "phone",
        "category": "engineering",
        "grade": "minor",
        "description": "卫生间天花板漏水，楼上住户不在家",
        "demand": "尽快维修",
        "requested_deadline": "",
        "incident_at": "",
        "location": "",
        "target_department": "",
        "target_staff": "",
        "resident_name": resident.name,
        "resident_phone": resident.phone,
        "outcome": "route",
        "department": str(engineering.pk),
        "outcome_note": "",
        "unit_id": str(resident.unit_id),
        "repeat_of_id": "",
    }
    return {"intake_data": intake_data, **cases(ch)}


def cases(ch) -> dict:
    """The newest cases of each kind at CH for the detail pages, and last month's stored
    report (built once, as the beat job would on the 30th)."""
    from django.utils import timezone

    from callbacks.models import Callback
    from complaints.models import Complaint
    from repairs.models import RepairOrder
    from reports.models import MonthlyReport
    from reports.services import report_build

    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    report_build(estate_id=ch.pk, month=last_month)
    mine = Complaint.objects.filter(estate=ch, repeat_of__isnull=True).order_by("-pk")
    # None where the database holds no such case (--repairs 0, --callbacks 0): that
    # page is not measured.
    return {
        "open_complaint": mine.exclude(status="closed").values_list("pk", flat=True).first(),
        "closed_complaint": next(
            iter(mine.filter(status="closed").values_list("pk", flat=True)[100:101]), None
        ),
        "closed_repair": RepairOrder.objects.filter(estate=ch, status="closed")
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first(),
        "due_callback": Callback.objects.filter(estate=ch, done_at__isnull=True)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first(),
        "report": MonthlyReport.objects.get(estate=ch, month=last_month).pk,
    }


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)]


def run(sc: Scenario, *, iterations: int, warmup: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username=sc.user))
    call = getattr(client, sc.method)

    def once():
        resp = call(sc.path, sc.params)
        if resp.status_code != sc.expect:
            body = resp.content.decode(errors="replace")[:3000]
            raise SystemExit(f"{sc.name}: HTTP {resp.status_code}, expected {sc.expect}\n{body}")
        return resp

    for _ in range(warmup):
        once()
    times, cpu_times, counts, db_times = [], [], [], []
    slowest = None
    rows = None
    for _ in range(iterations):
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            resp = once()
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        times.append(elapsed * 1000)
        cpu_times.append(cpu * 1000)
        counts.append(len(ctx.captured_queries))
        db_times.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        top = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
        if top is not None and (slowest is None or float(top["time"]) > float(slowest["time"])):
            slowest = top
        if sc.method == "get" and sc.row_marker:
            rows = resp.content.decode().count(sc.row_marker)
    median = statistics.median(times)
    return {
        "name": sc.name,
        "label": sc.label,
        "user": sc.user,
        "method": sc.method.upper(),
        "path": sc.path,
        "params": sc.params if sc.method == "get" else {},
        "iterations": iterations,
        "median_ms": round(median, 1),
        "p95_ms": round(_percentile(times, 0.95), 1),
        "min_ms": round(min(times), 1),
        "queries": sorted(set(counts)) if len(set(counts)) > 1 else counts[0],
        "db_ms_median": round(statistics.median(db_times), 1),
        "python_cpu_ms_median": round(statistics.median(cpu_times), 1),
        "rows": rows,
        "target_ms": sc.target_ms,
        "ratio": round(median / sc.target_ms, 2),
        "max_queries": sc.max_queries,
        "meets_target": median <= sc.target_ms
        and (sc.max_queries is None or max(counts) <= sc.max_queries),
        "same_queries_as": sc.same_queries_as,
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1) if slowest else None,
        "slowest_query": slowest["sql"] if slowest else None,
    }


def explain(sql: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a captured SELECT, in a transaction rolled back."""
    from django.db import connection, transaction

    if not sql.lstrip().upper().startswith("SELECT"):
        return "(not a SELECT: not explained)"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)  # no params: % is literal
        plan = "\n".join(r[0] for r in cur.fetchall())
        transaction.set_rollback(True)
    return plan
