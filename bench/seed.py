"""Seed N complaints over the last 12 months with PostgreSQL COPY.

Rows are generated in Python in ``received_at`` order (so ids and numbers follow time, as
in production) and streamed to ``COPY complaints_complaint``; Postgres computes the
generated ``search_bigrams`` column itself. One 'received' event per complaint (and a
'routed' one for open routed complaints) goes to the handling log by COPY too; the
complaint counters are set to the highest number per estate and month so that new intake
numbers follow on.

Where the time goes: Postgres, not Python. ``complaint_search_bigrams`` costs about
55 µs a row and the table's 17 indexes (one GIN) about as much again, so the rows are
split over two COPY connections that run at once (``--seed-workers``), one per core,
while this process generates the next chunks.

The schema is untouched: no index or constraint is dropped. Foreign keys are not checked
row by row during the load (``session_replication_role = replica``, when the role may set
it; otherwise one connection, checks at commit): every reference is built from rows read
from the database just before.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from . import vocab

DAY = 86400
LOCAL = 8 * 3600  # Asia/Shanghai is UTC+8 all year (no DST since 1991).
YEAR_DAYS = 365

EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

OPEN_SHARE = 0.05
# Status of an open complaint by its age (weights): fresh ones wait to be routed or
# signed for; older ones are being handled, wait for the resident's answer, or came back.
OPEN_STATUSES = [
    (600, {"received": 30, "routed": 70}),
    (3600, {"routed": 60, "signed": 40}),
    (2 * DAY, {"routed": 10, "signed": 45, "handled": 30, "informed": 15}),
    (10**9, {"routed": 8, "signed": 42, "handled": 20, "informed": 20, "reopened": 10}),
]

COLUMNS = [
    "id",
    "estate_id",
    "number",
    "received_at",
    "received_by_id",
    "channel",
    "incident_at",
    "unit_id",
    "location",
    "target_department_id",
    "target_staff",
    "description",
    "demand",
    "requested_deadline",
    "anonymous",
    "resident_name",
    "resident_phone",
    "category",
    "grade",
    "in_scope",
    "repeat_of_id",
    "status",
    "closure",
    "department_id",
    "routed_at",
    "signed_at",
    "handled_at",
    "handling_note",
    "informed_at",
    "closed_at",
    "reopened_at",
    "stop_harm_first",
    "escalated_to",
    "escalated_at",
    "route_due",
    "escalate_due",
    "answer_due",
    "resolve_due",
    "upgrade_due",
    "inform_due",
    "next_due",
]
EVENT_COLUMNS = ["complaint_id", "kind", "at", "actor_id", "note", "data"]
NULL = "\\N"
_UNKNOWN = object()


def log(msg: str) -> None:
    print(msg, flush=True)


def _table(weights: dict, size: int = 1000) -> list:
    """A lookup list: table[int(random() * len(table))] draws by weight."""
    total = sum(weights.values())
    out: list = []
    for key, w in weights.items():
        out += [key] * max(round(size * w / total), 1 if w else 0)
    return out


def _expand(pairs: list[tuple[str, int]]) -> list[str]:
    return [p for p, w in pairs for _ in range(w)]


@dataclass
class Refs:
    """What the rows point at, read from the database seed_demo filled."""

    estates: list[dict]  # [{id, code, kind, share, desk: [(user_id, weight)]}]
    departments: dict[tuple[int, str], tuple[int, str]]  # (estate_id, kind) -> (id, name)
    units: dict[int, list[tuple[int, list[tuple[str, str]]]]] = field(default_factory=dict)


def load_refs() -> Refs:
    from django.contrib.auth import get_user_model

    from staff.models import Department, Estate, Resident, Unit

    users = dict(get_user_model().objects.values_list("username", "id"))
    ch, jr = Estate.objects.get(code="CH"), Estate.objects.get(code="JR")
    estates = [
        {
            "id": ch.id,
            "company_id": ch.company_id,
            "code": "CH",
            "kind": "residential",
            "share": 0.7,
            "desk": [(users["clerk"], 70), (users["duty"], 20), (users["supervisor"], 10)],
        },
        {
            "id": jr.id,
            "company_id": jr.company_id,
            "code": "JR",
            "kind": "office",
            "share": 0.3,
            "desk": [(users["clerk_jr"], 1)],
        },
    ]
    departments = {
        (d.estate_id, d.kind): (d.id, d.name)
        for d in Department.objects.filter(estate__in=[ch, jr])
    }
    residents: dict[int, list[tuple[str, str]]] = {}
    for unit_id, name, phone in Resident.objects.values_list("unit_id", "name", "phone"):
        residents.setdefault(unit_id, []).append((name, phone))
    units: dict[int, list] = {ch.id: [], jr.id: []}
    for unit_id, estate_id in Unit.objects.filter(estate__in=[ch, jr]).values_list(
        "id", "estate_id"
    ):
        units[estate_id].append((unit_id, residents.get(unit_id, [])))
    return Refs(estates, departments, units)


class AppClocks:
    """Deadlines, next_due and sweep_at as the application computes them.

    Open complaints (5 %) go through the application's own functions, one call each:
    ``complaints.clocks.deadlines_for`` / ``inform_due_for`` with the company's rule
    book, and the clock table's ``next_due`` and ``pending_at`` on an unsaved
    ``Complaint``. A million such calls would cost more than the whole load, so the
    deadlines of closed complaints come from a few calls per day and kind of complaint
    (see ``_bucketed``): the same values, checked at both ends of each stretch.
    """

    MIN_STRETCH = 120  # seconds

    def __init__(self, estates: list[dict]):
        from casework.rules import RuleBooks
        from complaints import clocks, policy

        self.clocks, self.policy = clocks, policy
        books = RuleBooks()
        self.books = {e["id"]: books(e["company_id"]) for e in estates}
        self.company = {e["id"]: e["company_id"] for e in estates}
        self.next_sweep_at = True  # the sweep_at column is filled
        self.answer_clock = policy.answer_clock
        self.cache: dict = {}
        self.calls = 0

    @staticmethod
    def aware(t: float | None) -> dt.datetime | None:
        return None if t is None else dt.datetime.fromtimestamp(int(t), dt.UTC)

    @staticmethod
    def epoch(d: dt.datetime | None) -> int | None:
        return None if d is None else int(d.timestamp())

    def deadlines(self, t: int, grade: str, channel: str, estate_id: int, requested=None):
        """(route, escalate, answer, resolve, upgrade) in epoch seconds, exactly."""
        self.calls += 1
        d = self.clocks.deadlines_for(
            self.books[estate_id],
            received_at=self.aware(t),
            grade=grade,
            channel=channel,
            requested_deadline=requested,
        )
        return tuple(
            self.epoch(x)
            for x in (d.route_due, d.escalate_due, d.answer_due, d.resolve_due, d.upgrade_due)
        )

    def inform_due(self, handled: int, estate_id: int) -> int:
        self.calls += 1
        return self.epoch(self.clocks.inform_due_for(self.books[estate_id], self.aware(handled)))

    def _bucketed(self, key, t: int, fn):
        """fn(t) (a tuple of epoch seconds or None) from a few calls per local day.

        Within a stretch of time each deadline of a receipt either moves with it
        (minutes, hours, calendar days) or stays put (the same day, working days): two
        calls at the ends of a stretch tell which. A day that is neither (a same-day
        clock jumps at the end of working hours) is halved until it is, down to two
        minutes; there, and for anything else, fn(t) itself.
        """
        day = (t + LOCAL) // DAY
        lo, size = day * DAY - LOCAL, DAY
        while size >= self.MIN_STRETCH:
            entry = self.cache.get((key, lo, size), _UNKNOWN)
            if entry is _UNKNOWN:
                entry = self.cache[(key, lo, size)] = self._stretch(fn, lo, lo + size - 1)
            if entry is not None:
                return tuple(
                    None if e is None else (t + e[1] if e[0] == "s" else e[1]) for e in entry
                )
            size //= 2
            if t >= lo + size:
                lo += size
        return fn(t)

    @staticmethod
    def _stretch(fn, lo: int, hi: int):
        entry = []
        for x, y in zip(fn(lo), fn(hi), strict=True):
            if x is None and y is None:
                entry.append(None)
            elif x is None or y is None:
                return None
            elif y - x == hi - lo:
                entry.append(("s", x - lo))  # moves with the receipt time
            elif y == x:
                entry.append(("c", x))  # the same for the whole stretch
            else:
                return None
        return tuple(entry)

    def closed_deadlines(self, t: int, grade: str, channel: str, estate_id: int, requested):
        if requested is not None:
            return self.deadlines(t, grade, channel, estate_id, requested)
        kind = self.answer_clock(grade, channel) if self.answer_clock else channel
        return self._bucketed(
            ("d", self.company[estate_id], grade, kind),
            t,
            lambda x: self.deadlines(x, grade, channel, estate_id),
        )

    def closed_inform_due(self, handled: int, estate_id: int) -> int:
        return self._bucketed(
            ("i", self.company[estate_id]), handled, lambda x: (self.inform_due(x, estate_id),)
        )[0]

    def open_fields(self, s: OpenState, estate_id: int) -> None:
        """Fill the deadlines, next_due and sweep_at of an open complaint."""
        from complaints.models import Complaint

        s.deadlines = self.deadlines(s.t, s.grade, s.channel, estate_id)
        if s.status == "reopened":
            # Clocks start again at the reopening; upgrade_due stays (complaint_reopen).
            again = self.deadlines(s.reopened, s.grade, s.channel, estate_id)
            s.deadlines = (*again[:4], s.deadlines[4])
        if s.handled is not None:
            s.inform_due = self.inform_due(s.handled, estate_id)
        a = self.aware
        route, escalate, answer, resolve, upgrade = (a(x) for x in s.deadlines)
        c = Complaint(
            estate_id=estate_id,
            received_at=a(s.t),
            channel=s.channel,
            grade=s.grade,
            status=s.status,
            routed_at=a(s.routed),
            signed_at=a(s.signed),
            handled_at=a(s.handled),
            informed_at=a(s.informed),
            escalated_at=a(s.escalated),
            escalated_to="x" if s.escalated else "",
            route_due=route,
            escalate_due=escalate,
            answer_due=answer,
            resolve_due=resolve,
            upgrade_due=upgrade,
            inform_due=a(s.inform_due),
            reopened_at=a(s.reopened),
        )
        table = self.clocks.TABLE
        s.due = self.epoch(table.next_due(c))
        s.sweep_at = self.epoch(table.pending_at(c, self.books[estate_id], set()))


@dataclass
class OpenState:
    """The life so far of a complaint still open."""

    t: int
    estate: int  # index into Refs.estates
    grade: str
    channel: str
    status: str
    routed: int | None = None
    signed: int | None = None
    handled: int | None = None
    informed: int | None = None
    escalated: int | None = None
    reopened: int | None = None
    deadlines: tuple = ()
    inform_due: int | None = None
    due: int | None = None
    sweep_at: int | None = None


class Generator:
    def __init__(self, refs: Refs, now: float, seed: int = 2026):
        self.refs = refs
        self.now = int(now)
        self.rng = random.Random(seed)
        self.clocks = AppClocks(refs.estates)
        self.d0 = d0 = (self.now - 2 * YEAR_DAYS * DAY) // DAY
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        days = [
            (epoch + dt.timedelta(days=d)).strftime("%Y-%m-%d ") for d in range(d0, d0 + 3 * 366)
        ]
        self.day_str = days
        self.date_str = [d.strip() for d in days]
        self.month_str = [d[:4] + d[5:7] for d in days]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]
        self.counters: dict[tuple[int, str], int] = {}
        self.recent: dict[int, list[tuple[int, str]]] = {e["id"]: [] for e in refs.estates}
        self.stats = {"open": 0, "overdue": 0}
        # Lookup tables: table[int(random() * len(table))] draws by weight.
        self.estate_pick = _table({i: e["share"] for i, e in enumerate(refs.estates)}, 100)
        self.categories = {e["id"]: _table(vocab.CATEGORY_WEIGHTS[e["kind"]]) for e in refs.estates}
        self.desk = {e["id"]: _table(dict(e["desk"])) for e in refs.estates}
        self.grades = _table(vocab.GRADE_WEIGHTS, 100)
        self.channels = _table(vocab.CHANNEL_WEIGHTS, 100)
        self.open_statuses = [(age, _table(w, 100)) for age, w in OPEN_STATUSES]
        self.problems = {c: _expand(p) for c, p in vocab.PROBLEMS.items()}
        self.dept = {
            (e["id"], c): refs.departments[(e["id"], k)][0]
            for e in refs.estates
            for c, k in vocab.CATEGORY_DEPARTMENT.items()
        }
        self.routed_json = {
            dept_id: json.dumps(
                {"department": name, "department_id": dept_id, "previous": None},
                ensure_ascii=False,
            )
            for dept_id, name in refs.departments.values()
        }

    # --- when -----------------------------------------------------------------------------

    def receipt_times(self, n: int) -> list[tuple[int, OpenState | None]]:
        """Every complaint's receipt time, sorted; open ones carry their state.

        Closed ones spread over the year with the desk's daily rhythm; open ones mostly
        from the last two days, with a tail stuck for weeks or months.
        """
        rnd = self.rng.random
        now = self.now
        n_open = round(n * OPEN_SHARE)
        # Calls by local hour: quiet at night, peaks mid-morning and early evening.
        hours = _table(
            {
                0: 1, 1: 0.5, 2: 0.3, 3: 0.3, 4: 0.3, 5: 0.5, 6: 1.5, 7: 3, 8: 7, 9: 10,
                10: 10, 11: 8, 12: 5, 13: 6, 14: 8, 15: 8, 16: 8, 17: 7, 18: 6, 19: 7, 20: 6,
                21: 4, 22: 2.5, 23: 1.5,
            }
        )  # fmt: skip
        nh = len(hours)
        today = (now + LOCAL) // DAY
        out: list[tuple[int, OpenState | None]] = []
        for _ in range(n - n_open):
            day = today - int(rnd() * YEAR_DAYS)
            t = day * DAY - LOCAL + hours[int(rnd() * nh)] * 3600 + int(rnd() * 3600)
            if t > now - 3600:  # a closed one had at least an hour
                t -= DAY
            out.append((t, None))
        for _ in range(n_open):
            state = self.open_state()
            out.append((state.t, state))
        out.sort(key=lambda x: x[0])
        return out

    def open_state(self) -> OpenState:
        rnd, now = self.rng.random, self.now
        r = rnd()
        if r < 0.05:
            age = rnd() * 3600
        elif r < 0.60:
            age = 3600 + rnd() * (2 * DAY - 3600)
        elif r < 0.85:
            age = 2 * DAY + rnd() * 12 * DAY
        else:
            age = 14 * DAY + rnd() * (YEAR_DAYS - 15) * DAY
        age = int(age)
        statuses = next(table for limit, table in self.open_statuses if age < limit)
        ei = self.estate_pick[int(rnd() * 100)]
        s = OpenState(
            t=now - age,
            estate=ei,
            grade=self.grades[int(rnd() * 100)],
            channel=self.channels[int(rnd() * 100)],
            status=statuses[int(rnd() * 100)],
        )
        t = s.t
        if s.status != "received":
            s.routed = t + int(min(60 + rnd() * 540, age * 0.3))
        if s.status in ("signed", "handled", "informed"):
            s.signed = s.routed + int(min(300 + rnd() * 7200, (now - s.routed) * 0.5))
        if s.status in ("handled", "informed"):
            s.handled = s.signed + int((now - s.signed) * rnd() * 0.7)
        if s.status == "informed":
            s.informed = s.handled + int((now - s.handled) * rnd() * 0.5)
        if s.grade != "minor" and rnd() < 0.7:
            s.escalated = t + int(min(600 + rnd() * 2400, age * 0.5))
        if s.status == "reopened":  # handled, closed, then reopened since
            s.reopened = t + int(age * (0.5 + rnd() * 0.5))
        self.clocks.open_fields(s, self.refs.estates[ei]["id"])
        self.stats["open"] += 1
        self.stats["overdue"] += s.due is not None and s.due < now
        return s

    # --- the rows ---------------------------------------------------------------------------

    def ts(self, t: float | None) -> str:
        if t is None:
            return NULL
        d, s = divmod(int(t), DAY)
        return self.day_str[d - self.d0] + self.hms[s]

    def _name(self) -> str:
        rng = self.rng
        return rng.choice(vocab.SURNAMES) + "".join(rng.sample(vocab.GIVEN, rng.choice([1, 2])))

    def _phone(self) -> str:
        rng = self.rng
        return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"

    def row(self, cid: int, t: int, state: OpenState | None) -> tuple[str, str]:
        """One complaint's COPY line and its handling-log lines."""
        rnd, now, clocks, ts = self.rng.random, self.now, self.clocks, self.ts
        if state is None:
            estate = self.refs.estates[self.estate_pick[int(rnd() * 100)]]
            grade = self.grades[int(rnd() * 100)]
            channel = self.channels[int(rnd() * 100)]
        else:
            estate, grade, channel = self.refs.estates[state.estate], state.grade, state.channel
        eid = estate["id"]
        cats = self.categories[eid]
        category = cats[int(rnd() * len(cats))]
        desk = self.desk[eid]
        received_by = desk[int(rnd() * len(desk))]
        month = self.month_str[(t + LOCAL) // DAY - self.d0]
        seq = self.counters.get((eid, month), 0) + 1
        self.counters[(eid, month)] = seq
        number = f"TS-{month}-{seq:04d}"

        problems = self.problems[category]
        description = (
            vocab.WHEN[int(rnd() * len(vocab.WHEN))]
            + problems[int(rnd() * len(problems))]
            + vocab.DETAIL[int(rnd() * len(vocab.DETAIL))]
        )
        demand = vocab.DEMANDS[int(rnd() * len(vocab.DEMANDS))] if rnd() < 0.7 else ""
        units = self.refs.units[eid]
        unit_id, location = None, ""
        if units and rnd() < 0.8:
            unit_id, residents = units[int(rnd() * len(units))]
            name, phone = residents[int(rnd() * len(residents))] if residents else ("", "")
            if not (name or phone):
                name, phone = self._name(), self._phone()
        else:
            places = vocab.PLACES[estate["kind"]]
            location = places[int(rnd() * len(places))]
            name, phone = self._name(), self._phone()
        r = rnd()
        anonymous = r < (0.3 if channel == "suggestion_box" else 0.02)
        if anonymous:
            name = phone = ""
        elif r < 0.07:
            name = ""  # phone only
        elif r < 0.12:
            phone = ""  # name only
        incident = t - int(rnd() * 2 * DAY) if rnd() < 0.5 else None
        requested = None
        if grade == "minor" and state is None and rnd() < 0.04:
            requested = (t + LOCAL) // DAY + int(rnd() * 4)  # local day number
        target_dept, target_staff = None, ""
        if rnd() < 0.06:
            target_dept = self.dept[(eid, category)]
            target_staff = vocab.TARGET_STAFF[int(rnd() * len(vocab.TARGET_STAFF))]
        repeat_of = None
        recent = self.recent[eid]
        if recent and rnd() < 0.03:
            repeat_of = recent[int(rnd() * len(recent))]
        recent.append((cid, number))
        if len(recent) > 2000:
            del recent[:1000]

        dept_id = None
        routed = signed = handled = informed = closed = escalated = None
        inform_due = due = sweep_at = None
        closure, note, in_scope = "", "", True
        if state is None:
            status = "closed"
            deadlines = clocks.closed_deadlines(
                t,
                grade,
                channel,
                eid,
                None if requested is None else dt.date.fromordinal(EPOCH_ORDINAL + requested),
            )
            r = rnd()
            if r < 0.85:
                closure = "handled"
                dept_id = self.dept[(eid, category)]
                routed = t + 60 + int(rnd() * 540)
                signed = routed + 300 + int(rnd() * 5100)
                if grade == "minor":
                    handled = signed + 3600 + int(rnd() * 39 * 3600)
                elif grade == "important":
                    handled = signed + 7200 + int(rnd() * 58 * 3600)
                else:
                    handled = signed + DAY + int(rnd() * 8 * DAY)
                informed = handled + 1200 + int(rnd() * 6 * 3600)
                closed = informed + int(rnd() * 7200)
                if closed > now - 60:  # squeeze the chain into the time there was
                    f = (now - 60 - t) / (closed - t)
                    routed, signed, handled, informed, closed = (
                        t + int((x - t) * f) for x in (routed, signed, handled, informed, closed)
                    )
                inform_due = clocks.closed_inform_due(handled, eid)
                note = vocab.HANDLING_NOTES[int(rnd() * len(vocab.HANDLING_NOTES))]
            elif r < 0.97:
                closure = "on_the_spot"
                closed = handled = informed = min(t + 180 + int(rnd() * 1620), now - 60)
                note = "当场解决，住户满意"
            else:
                closure, in_scope = "out_of_scope", False
                closed = min(t + 300 + int(rnd() * 3300), now - 60)
                note = "非物业服务范围，已向住户解释"
            if grade != "minor" and rnd() < 0.85:
                escalated = t + 600 + int(rnd() * (2400 if grade == "important" else 18000))
        else:
            status = state.status
            if status != "received":
                dept_id = self.dept[(eid, category)]
            routed, signed, handled = state.routed, state.signed, state.handled
            informed, escalated, inform_due = state.informed, state.escalated, state.inform_due
            deadlines, due, sweep_at = state.deadlines, state.due, state.sweep_at
            if handled is not None:
                note = vocab.HANDLING_NOTES[int(rnd() * len(vocab.HANDLING_NOTES))]
        route_due, escalate_due, answer_due, resolve_due, upgrade_due = deadlines
        escalated_to = ""
        if escalated is not None:
            escalated_to = "office_director" if grade == "important" else "general_manager"

        fields = [
            str(cid),
            str(eid),
            number,
            ts(t),
            str(received_by),
            channel,
            ts(incident),
            NULL if unit_id is None else str(unit_id),
            location,
            NULL if target_dept is None else str(target_dept),
            target_staff,
            description,
            demand,
            NULL if requested is None else self.date_str[requested - self.d0],
            "t" if anonymous else "f",
            name,
            phone,
            category,
            grade,
            "t" if in_scope else "f",
            NULL if repeat_of is None else str(repeat_of[0]),
            status,
            closure,
            NULL if dept_id is None else str(dept_id),
            ts(routed),
            ts(signed),
            ts(handled),
            note,
            ts(informed),
            ts(closed),
            ts(state.reopened if state is not None else None),
            "f",
            escalated_to,
            ts(escalated),
            ts(route_due),
            ts(escalate_due),
            ts(answer_due),
            ts(resolve_due),
            ts(upgrade_due),
            ts(inform_due),
            ts(due),
        ]
        if self.clocks.next_sweep_at is not None:
            fields.append(ts(sweep_at))
        rep = "null" if repeat_of is None else f'"{repeat_of[1]}"'
        events = (
            f"{cid}\treceived\t{ts(t)}\t{received_by}\t\t"
            f'{{"channel": "{channel}", "repeat_of": {rep}}}\n'
        )
        if state is not None and routed is not None:
            events += f"{cid}\trouted\t{ts(routed)}\t{received_by}\t\t{self.routed_json[dept_id]}\n"
        return "\t".join(fields) + "\n", events

    def columns(self) -> list[str]:
        return [*COLUMNS, "sweep_at"] if self.clocks.next_sweep_at is not None else COLUMNS


# --- loading ------------------------------------------------------------------------------


class CopyWorker(threading.Thread):
    """One connection that COPYs the chunks it takes from shared queues, phase by phase,
    and commits only when told to (so that a failed run leaves nothing half-loaded)."""

    def __init__(self, url: str, setup: list[str], phases: list[tuple[str, queue.Queue]]):
        super().__init__(daemon=True)
        self.url, self.setup, self.phases = url, setup, phases
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self.decision: queue.Queue = queue.Queue()

    def run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url) as conn:
                for stmt in self.setup:
                    conn.execute(stmt)
                with conn.cursor() as cur:
                    for sql, chunks in self.phases:
                        with cur.copy(sql) as copy:
                            while (chunk := chunks.get()) is not None:
                                copy.write(chunk)
                self.finished.set()
                if self.decision.get() == "commit":
                    conn.commit()
                else:
                    conn.rollback()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.error = exc
            self.finished.set()


def _put(q: queue.Queue, item, workers: list[CopyWorker]) -> None:
    while True:
        for w in workers:
            if w.error is not None:
                raise RuntimeError(f"COPY failed: {w.error}") from w.error
        try:
            q.put(item, timeout=0.5)
            return
        except queue.Full:
            continue


def recount(cur: Any, source: str) -> None:
    """Count again what the database keeps counted from ``source`` (the monthly report's
    counts, ``reports.counts``): their triggers do not fire under the replica role."""
    from reports import counts

    with cur.connection.transaction():
        for sql in counts.rebuild_sql(counts.reading([source])):
            cur.execute(sql)


def copy_setup(fast: bool) -> list[str]:
    """The session settings of a COPY connection; the replica role skips the foreign-key
    checks (and the triggers not marked ALWAYS) where the role may set it."""
    setup = ["SET synchronous_commit = off", "SET work_mem = '64MB'"]
    if fast:
        setup.append("SET session_replication_role = replica")
    return setup


def start_pool(
    url: str, setup: list[str], phases: list[tuple[str, queue.Queue]], workers: int
) -> list[CopyWorker]:
    pool = [CopyWorker(url, setup, phases) for _ in range(workers)]
    for w in pool:
        w.start()
    return pool


def _end_phase(q: queue.Queue, pool: list[CopyWorker]) -> None:
    """Tell every connection that a phase's chunks are all queued."""
    for _ in pool:
        _put(q, None, pool)


def _drain(pool: list[CopyWorker]) -> None:
    """Wait until every connection has copied all it was given; raise its error."""
    for w in pool:
        while not w.finished.wait(0.5):
            pass
        if w.error is not None:
            raise RuntimeError(f"COPY failed: {w.error}") from w.error


def _release(pool: list[CopyWorker], ok: bool) -> None:
    """Commit every connection's load (or roll all back) and wait for them to end."""
    for w in pool:
        w.decision.put("commit" if ok else "rollback")
    for w in pool:
        w.join()


def _check_committed(pool: list[CopyWorker]) -> None:
    errors = [w.error for w in pool if w.error is not None]
    if errors:
        raise RuntimeError(f"COPY failed at commit: {errors[0]}") from errors[0]


def _superuser(conn) -> bool:
    return bool(
        conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    )


def _referencing_tables(conn) -> list[str]:
    """Tables whose foreign keys point at complaints (repairs, callbacks, ...)."""
    rows = conn.execute(
        "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = 'complaints_complaint'::regclass "
        "AND conrelid <> 'complaints_complaint'::regclass"
    ).fetchall()
    return sorted(r[0] for r in rows)


def existing_count() -> int:
    from complaints.models import Complaint

    return Complaint.objects.count()


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def seed(n: int, *, database_url: str, workers: int = 2, chunk: int = 2000) -> dict:
    """Truncate the complaint tables and load ``n`` complaints. Returns statistics."""
    import psycopg
    from django.db import connection

    started = time.perf_counter()
    refs = load_refs()
    connection.close()  # nothing of Django's stays open on the tables being loaded
    now = time.time()
    gen = Generator(refs, now)
    times = gen.receipt_times(n)
    log(f"  receipt times of {n:,} complaints in {time.perf_counter() - started:.1f}s")

    url = _libpq(database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        fast = _superuser(conn)
        tables = ["complaints_complaint", *_referencing_tables(conn), "complaints_complaintcounter"]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        # The search bigrams are kept by a trigger, which the replica role of the fast
        # load would skip: it fires in this (bench-only) database whatever the role.
        conn.execute(
            "ALTER TABLE complaints_complaint ENABLE ALWAYS TRIGGER complaint_search_bigrams_keep"
        )
    log(f"  truncated {', '.join(tables)}")
    if not fast:
        # Deferred foreign-key checks run at each connection's commit: a row may point
        # at a row another connection loads, so one connection does it all.
        workers = 1
        log("  not a superuser: foreign keys checked at commit, one COPY connection")
    setup = copy_setup(fast)
    complaint_q: queue.Queue = queue.Queue(maxsize=4 * workers)
    event_q: queue.Queue = queue.Queue(maxsize=4 * workers)
    phases = [
        (f"COPY complaints_complaint ({', '.join(gen.columns())}) FROM STDIN", complaint_q),
        (f"COPY complaints_complaintevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN", event_q),
    ]
    pool = start_pool(url, setup, phases, workers)

    ok = False
    try:
        t0 = time.perf_counter()
        buf: list[str] = []
        events: list[str] = []
        ev_buf: list[str] = []
        row = gen.row
        for i, (t, state) in enumerate(times, start=1):
            line, evs = row(i, t, state)
            buf.append(line)
            ev_buf.append(evs)
            if len(buf) >= chunk:
                _put(complaint_q, "".join(buf), pool)
                events.append("".join(ev_buf))
                buf.clear()
                ev_buf.clear()
            if i % 100_000 == 0:
                el = time.perf_counter() - t0
                log(f"  {i:>9,} complaints  {el:6.1f}s  ({i / el:,.0f} rows/s)")
        if buf:
            _put(complaint_q, "".join(buf), pool)
            events.append("".join(ev_buf))
        del times
        _end_phase(complaint_q, pool)
        t_gen = time.perf_counter() - t0
        for chunk_text in events:
            _put(event_q, chunk_text, pool)
        _end_phase(event_q, pool)
        n_events = sum(c.count("\n") for c in events)
        del events
        _drain(pool)
        t_copy = time.perf_counter() - t0
        ok = True
    finally:
        _release(pool, ok)
    _check_committed(pool)
    log(
        f"  COPY {n:,} complaints + {n_events:,} events over {workers} connection(s): "
        f"{t_copy:.1f}s (generation done after {t_gen:.1f}s)"
    )

    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO complaints_complaintcounter (estate_id, month, last) "
            "VALUES (%s, %s, %s) ON CONFLICT (estate_id, month) DO UPDATE "
            "SET last = GREATEST(complaints_complaintcounter.last, EXCLUDED.last)",
            [(eid, month, last) for (eid, month), last in gen.counters.items()],
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('complaints_complaint', 'id'), %s)", [n])
        recount(cur, "complaints_complaint")
        cur.execute("SET maintenance_work_mem = '512MB'")
        # Sets hint bits and the visibility map, flushes the GIN pending list, and
        # gives the planner statistics of the new data.
        cur.execute(
            "VACUUM (ANALYZE) complaints_complaint, complaints_complaintevent, "
            "complaints_complaintcounter, reports_complaintmonth, reports_clockmonth, "
            "reports_laddermonth"
        )
        matches = cur.execute(
            "SELECT count(*) FROM complaints_complaint "
            "WHERE search_bigrams @> %s AND description LIKE %s",
            [["漏水"], "%漏水%"],
        ).fetchone()[0]
    t_vacuum = time.perf_counter() - t0
    log(f"  counters, VACUUM ANALYZE: {t_vacuum:.1f}s")
    return {
        "complaints": n,
        "events": n_events,
        "open": gen.stats["open"],
        "overdue_at_seed": gen.stats["overdue"],
        "matching_漏水": matches,
        "copy_connections": workers,
        "fk_checks_during_copy": not fast,
        "copy_s": round(t_copy, 1),
        "vacuum_analyze_s": round(t_vacuum, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def check_columns() -> None:
    """Fail loudly if the model lost a column this loader fills; say which it leaves out.

    (``sweep_at`` is filled from the complaint's clock table.)"""
    from complaints.models import Complaint

    model = {f.column for f in Complaint._meta.concrete_fields if not f.generated}
    unknown = set(COLUMNS) - model
    if unknown:
        sys.exit(f"bench.seed: columns gone from Complaint: {sorted(unknown)}")
    missing = model - set(COLUMNS) - {"sweep_at"}
    if missing:
        log(f"  note: columns left to their database default: {sorted(missing)}")
