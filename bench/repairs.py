"""Seed N repair orders (《维修服务通知单》) over the last 12 months with COPY, beside the
complaints; and the people the repair scenarios need (technicians, their shifts).

Like the complaints (``bench/seed.py``, whose COPY workers this reuses): rows generated
in Python in ``reported_at`` order, so ids and numbers follow time; streamed to
``COPY repairs_repairorder`` over two connections with foreign keys unchecked during the
load (every reference comes from rows read just before, or earlier rows of the load);
the log (``repairs_repairorderevent``: reported, dispatched, closed) and the fee lines of
paid work by COPY too; the counters set so that new numbers follow on; then
``VACUUM (ANALYZE)``.

The mix (``--repairs``, 200,000 by default):

- 70 % at 翠湖花园 (CH), 30 % at 金融中心大厦 (JR), handled by the technicians of their
  工程部 (the demo ``tech`` and ``bench_tech_*`` users this module adds);
- urgent 68 %, special emergency 6 %, appointment 26 %; faults by estate;
- 95 % closed: dispatched within 2 minutes ~87 % of the time, on site in time ~83 %,
  free 78 %, paid 12 % (fee lines and a receipt), warranty 5 %, not a repair 5 %;
  ~0.8 % redone (返工, ``rework_of``), ~2 % flagged for the root cause, some chased;
- 5 % open: a quarter from today in every state (reported, dispatched or open to take,
  taken, on site, done, signed), the rest from the last days (appointments ahead,
  waiting for parts after "cannot be done now", signed and not yet closed) with a tail
  stuck for months.

Deadlines come from the application: the rule book's ``due_after`` of each repair rule
(checked to be a plain shift over the whole year, then applied as one; a rule that is
not, e.g. working days, is called per order), and for open orders the clock table's
``next_due`` and ``pending_at`` on an unsaved ``RepairOrder``, as if no alarm had fired.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import random
import sys
import time
from dataclasses import dataclass

from . import vocab
from .seed import (
    DAY,
    LOCAL,
    NULL,
    YEAR_DAYS,
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

OPEN_SHARE = 0.05
REPAIR_TABLES = [
    "repairs_repairorder",
    "repairs_repairorderevent",
    "repairs_feeline",
    "repairs_photo",
    "repairs_repairordercounter",
]

# username, family name, given name, estate code. "tech" is the demo technician.
TECHNICIANS = [
    ("tech", "张", "师傅", "CH"),
    ("bench_tech_ch_1", "王", "建国", "CH"),
    ("bench_tech_ch_2", "李", "卫东", "CH"),
    ("bench_tech_ch_3", "赵", "铁柱", "CH"),
    ("bench_tech_ch_4", "钱", "志刚", "CH"),
    ("bench_tech_ch_5", "孙", "海波", "CH"),
    ("bench_tech_ch_6", "周", "永红", "CH"),
    ("bench_tech_ch_7", "吴", "长林", "CH"),
    ("bench_tech_jr_1", "郑", "国庆", "JR"),
    ("bench_tech_jr_2", "冯", "德胜", "JR"),
    ("bench_tech_jr_3", "陈", "小兵", "JR"),
    ("bench_tech_jr_4", "褚", "红军", "JR"),
]

COLUMNS = [
    "id",
    "estate_id",
    "number",
    "reported_at",
    "reported_by_id",
    "source",
    "complaint_id",
    "unit_id",
    "location",
    "resident_name",
    "resident_phone",
    "description",
    "fault",
    "urgency",
    "appointment_at",
    "kind",
    "department_id",
    "technician_id",
    "published",
    "status",
    "dispatched_at",
    "taken_at",
    "arrived_at",
    "finished_at",
    "feedback_at",
    "signed_at",
    "closed_at",
    "work_done",
    "parts",
    "fee_total",
    "fee_confirmed_at",
    "fee_confirmed_name",
    "receipt_number",
    "warranty_contractor",
    "warranty_sent_at",
    "signature",
    "chased_at",
    "signed_name",
    "unsigned_reason",
    "cannot_now_at",
    "cannot_now_reason",
    "responsible_party",
    "protective_measures",
    "resident_phoned_at",
    "arrival_missed",
    "rework_of_id",
    "root_cause_flag",
    "dispatch_due",
    "arrive_due",
    "feedback_due",
    "promise_due",
    "next_due",
    "sweep_at",
]
EVENT_COLUMNS = ["order_id", "kind", "at", "actor_id", "note", "data"]
FEE_COLUMNS = ["order_id", "kind", "item", "unit_price", "quantity", "amount"]

# What is to be repaired, by fault; weights by estate kind.
PROBLEMS = {
    "water": ["厨房水龙头漏水", "卫生间水管爆裂", "热水器不出热水", "水表前阀门漏水", "家里停水"],
    "power": ["客厅灯不亮", "插座没电", "空气开关跳闸", "整户停电", "楼道灯不亮"],
    "gas": ["燃气灶打不着火", "燃气表附近有异味"],
    "drainage": ["卫生间下水道堵塞", "厨房下水管返味", "地漏堵塞积水", "马桶堵塞"],
    "door_lock": ["入户门锁坏了", "单元门禁打不开", "防盗门关不严", "窗户把手松动"],
    "lift": ["电梯按钮失灵", "电梯门关不上", "电梯运行有异响"],
    "other": ["墙面渗水发霉", "阳台栏杆松动", "天花板石膏脱落", "晾衣架坏了", "空调冷凝水管滴水"],
}
FAULT_WEIGHTS = {
    "residential": {
        "water": 26,
        "power": 16,
        "gas": 2,
        "drainage": 18,
        "door_lock": 14,
        "lift": 4,
        "other": 20,
    },
    "office": {
        "water": 18,
        "power": 24,
        "gas": 0,
        "drainage": 14,
        "door_lock": 16,
        "lift": 10,
        "other": 18,
    },
}
WORK_DONE = [
    "更换水龙头阀芯，试水正常",
    "疏通下水管道，排水通畅",
    "更换灯管，照明正常",
    "更换空气开关，供电恢复",
    "调整门锁锁舌，开关顺畅",
    "紧固松动部件",
    "更换密封圈，不再渗漏",
    "检查线路，重新接线",
]
PARTS = ["阀芯1个", "密封圈2个", "LED灯管1根", "空气开关1个", "锁芯1个", "PVC管1米", ""]
FEE_ITEMS = [
    ("labour", "上门维修人工费", "50.00"),
    ("labour", "疏通人工费", "80.00"),
    ("material", "水龙头阀芯", "35.00"),
    ("material", "LED灯管", "28.50"),
    ("material", "空气开关", "45.00"),
    ("material", "锁芯", "120.00"),
    ("material", "密封圈", "3.50"),
]
CONTRACTORS = ["开发商保修部", "电梯维保公司", "防水工程公司"]
CANNOT_NOW = [
    ("配件需要订购", "维修部"),
    ("需楼上住户配合，楼上无人", "楼上住户"),
    ("需停水维修，已约定时间", "维修部"),
]
URGENCY_WEIGHTS = {"urgent": 68, "emergency": 6, "appointment": 26}
KIND_WEIGHTS = {"free": 78, "paid": 12, "warranty": 5, "not_a_repair": 5}
SOURCE_WEIGHTS = {"call": 62, "visit": 20, "patrol": 8, "staff": 10}
# Open orders from today, by status.
TODAY_STATUSES = {
    "reported": 5,
    "dispatched": 20,
    "taken": 20,
    "arrived": 25,
    "finished": 15,
    "signed": 15,
}
HOURS = {
    0: 0.5, 1: 0.3, 2: 0.2, 3: 0.2, 4: 0.2, 5: 0.4, 6: 1.5, 7: 4, 8: 9, 9: 10, 10: 10,
    11: 8, 12: 5, 13: 6, 14: 8, 15: 8, 16: 7, 17: 7, 18: 7, 19: 7, 20: 5, 21: 3, 22: 1.5,
    23: 0.8,
}  # fmt: skip


# --- the people --------------------------------------------------------------------------


def ensure_people() -> dict[int, list[int]]:
    """The engineering technicians of each estate (created once), on shift today from
    08:00 to 20:00, with the duty officer at night. Returns technician ids by estate."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from repairs.models import Shift
    from staff.models import Department, Estate, StaffProfile
    from staff.roles import Role
    from staff.services import staff_profile_set_role_group

    User = get_user_model()
    estates = {e.code: e for e in Estate.objects.filter(code__in=["CH", "JR"])}
    by_estate: dict[int, list[int]] = {e.pk: [] for e in estates.values()}
    users = []
    for username, last, first, code in TECHNICIANS:
        estate = estates[code]
        engineering = Department.objects.get(estate=estate, kind=Department.Kind.ENGINEERING)
        user, _ = User.objects.get_or_create(
            username=username, defaults={"last_name": last, "first_name": first}
        )
        StaffProfile.objects.get_or_create(
            user=user,
            defaults={"role": Role.TECHNICIAN, "estate": estate, "department": engineering},
        )
        staff_profile_set_role_group(user=user, role=Role.TECHNICIAN)
        by_estate[estate.pk].append(user.pk)
        users.append((user, estate))
    # Today's roster: half of each estate's technicians on the day shift, the duty
    # officer at night (the bench's own rows: replaced on every run).
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    day = dt.datetime.combine(today, dt.time(8), tzinfo=tz)
    Shift.objects.filter(user__in=[u for u, _e in users]).delete()
    Shift.objects.bulk_create(
        Shift(estate=e, user=u, starts_at=day, ends_at=day + dt.timedelta(hours=12))
        for i, (u, e) in enumerate(users)
        if i % 2 == 0
    )
    duty = User.objects.filter(username="duty").first()
    if duty is not None:
        Shift.objects.filter(user=duty).delete()
        Shift.objects.create(
            estate=estates["CH"],
            user=duty,
            starts_at=day + dt.timedelta(hours=12),
            ends_at=day + dt.timedelta(hours=24),
        )
    return by_estate


def existing_count() -> int:
    from repairs.models import RepairOrder

    return RepairOrder.objects.count()


def check_columns() -> None:
    """Fail loudly if the model lost a column this loader fills; say which it leaves out."""
    from repairs.models import RepairOrder

    model = {str(f.column) for f in RepairOrder._meta.concrete_fields if not f.generated}
    unknown = set(COLUMNS) - model
    if unknown:
        sys.exit(f"bench.repairs: columns gone from RepairOrder: {sorted(unknown)}")
    missing = model - set(COLUMNS)
    if missing:
        log(f"  note: repair columns left to their database default: {sorted(missing)}")


# --- the clocks --------------------------------------------------------------------------


class RepairClocks:
    """The repair deadlines as the application computes them (``repairs.clocks``)."""

    def __init__(self, estates: list[dict]):
        from casework.rules import RuleBooks
        from repairs import clocks, policy

        self.clocks, self.policy = clocks, policy
        books = RuleBooks()
        self.books = {e["id"]: books(e["company_id"]) for e in estates}
        self.offsets: dict[tuple[int, str], int | None] = {}
        self.calls = 0

    @staticmethod
    def aware(t: int | None) -> dt.datetime | None:
        return None if t is None else dt.datetime.fromtimestamp(int(t), dt.UTC)

    @staticmethod
    def moment(t: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(int(t), dt.UTC)

    @staticmethod
    def epoch(d: dt.datetime | None) -> int | None:
        return None if d is None else int(d.timestamp())

    def _offset(self, eid: int, rule: str, now: int) -> int | None:
        """The rule's deadline as a fixed shift from its start, if it is one at every
        sampled moment of the year (every 7 hours 30: all hours, weekdays, holidays)."""
        book = self.books[eid]
        seen = set()
        for t in range(now - YEAR_DAYS * DAY, now + 30 * DAY, 27000):
            seen.add(int(book.due_after(rule, self.moment(t)).timestamp()) - t)
            if len(seen) > 1:
                return None
        return seen.pop()

    def due(self, eid: int, rule: str, start: int, now: int) -> int:
        key = (eid, rule)
        if key not in self.offsets:
            self.offsets[key] = self._offset(eid, rule, now)
        offset = self.offsets[key]
        if offset is None:
            self.calls += 1
            return int(self.books[eid].due_after(rule, self.moment(start)).timestamp())
        return start + offset

    def arrive_due(self, eid: int, urgency: str, dispatched: int, appointment, now: int):
        rule = self.policy.arrive_rule(urgency)
        return appointment if rule is None else self.due(eid, rule, dispatched, now)

    def open_fields(self, r: Row) -> tuple[int | None, int | None]:
        """next_due and sweep_at of an open order, from the clock table itself."""
        from repairs.models import RepairOrder

        a = self.aware
        o = RepairOrder(
            estate_id=r.estate_id,
            status=r.status,
            urgency=r.urgency,
            reported_at=self.moment(r.t),
            dispatched_at=a(r.dispatched),
            arrived_at=a(r.arrived),
            finished_at=a(r.finished),
            feedback_at=a(r.feedback),
            cannot_now_at=a(r.cannot_now),
            resident_phoned_at=a(r.phoned),
            dispatch_due=a(r.dispatch_due),
            arrive_due=a(r.arrive_due),
            feedback_due=a(r.feedback_due),
            promise_due=a(r.promise_due),
        )
        table = self.clocks.TABLE
        return (
            self.epoch(table.next_due(o)),
            self.epoch(table.pending_at(o, self.books[r.estate_id], set())),
        )


# --- the rows ----------------------------------------------------------------------------


@dataclass
class Row:
    t: int
    estate_id: int
    status: str = "closed"
    urgency: str = "urgent"
    kind: str = "free"
    appointment: int | None = None
    technician: int | None = None
    published: bool = False
    dispatched: int | None = None
    taken: int | None = None
    arrived: int | None = None
    finished: int | None = None
    feedback: int | None = None
    signed: int | None = None
    closed: int | None = None
    cannot_now: int | None = None
    phoned: int | None = None
    chased: int | None = None
    dispatch_due: int | None = None
    arrive_due: int | None = None
    feedback_due: int | None = None
    promise_due: int | None = None
    next_due: int | None = None
    sweep_at: int | None = None


class RepairGenerator:
    def __init__(self, refs, technicians: dict[int, list[int]], now: float, seed: int = 2027):
        self.refs = refs
        self.now = now = int(now)
        self.rng = random.Random(seed)
        self.clocks = RepairClocks(refs.estates)
        self.d0 = d0 = (now - 2 * YEAR_DAYS * DAY) // DAY
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        self.day_str = [
            (epoch + dt.timedelta(days=d)).strftime("%Y-%m-%d ") for d in range(d0, d0 + 3 * 366)
        ]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]
        self.technicians = technicians
        self.estate_by_id = {e["id"]: e for e in refs.estates}
        self.engineering = {
            e["id"]: refs.departments[(e["id"], "engineering")][0] for e in refs.estates
        }
        self.estate_pick = _table({i: e["share"] for i, e in enumerate(refs.estates)}, 100)
        self.desk = {e["id"]: _table(dict(e["desk"])) for e in refs.estates}
        self.faults = {e["id"]: _table(FAULT_WEIGHTS[e["kind"]], 100) for e in refs.estates}
        self.urgencies = _table(URGENCY_WEIGHTS, 100)
        self.kinds = _table(KIND_WEIGHTS, 100)
        self.sources = _table(SOURCE_WEIGHTS, 100)
        self.today_statuses = _table(TODAY_STATUSES, 100)
        self.hours = _table(HOURS)
        self.counters: dict[tuple[int, str], int] = {}
        self.numbers: list[str] = []
        # Recently closed orders per estate, for reworks: (id, closed, unit, location).
        self.closed_recent: dict[int, list[tuple]] = {e["id"]: [] for e in refs.estates}
        self.stats = {"open": 0, "overdue": 0, "reworks": 0, "paid": 0, "today": 0}

    # --- when --------------------------------------------------------------------------

    def report_times(self, n: int) -> list[tuple[int, Row | None]]:
        """Every order's report time, sorted; open ones carry their state."""
        rnd, now = self.rng.random, self.now
        n_open = round(n * OPEN_SHARE)
        today = (now + LOCAL) // DAY
        hours, nh = self.hours, len(self.hours)
        out: list[tuple[int, Row | None]] = []
        for _ in range(n - n_open):
            day = today - int(rnd() * YEAR_DAYS)
            t = day * DAY - LOCAL + hours[int(rnd() * nh)] * 3600 + int(rnd() * 3600)
            if t > now - 2 * 3600:  # a closed one had at least two hours
                t -= DAY
            out.append((t, None))
        for _ in range(n_open):
            state = self.open_state()
            out.append((state.t, state))
        out.sort(key=lambda x: x[0])
        return out

    def _tech(self, eid: int) -> int:
        techs = self.technicians[eid]
        return techs[int(self.rng.random() * len(techs))]

    def open_state(self) -> Row:
        rnd, now = self.rng.random, self.now
        eid = self.refs.estates[self.estate_pick[int(rnd() * 100)]]["id"]
        r = rnd()
        urgency = self.urgencies[int(rnd() * 100)]
        if r < 0.25:  # today, in every state
            age = int(120 + rnd() * 10 * 3600)
            status = self.today_statuses[int(rnd() * 100)]
            if status == "reported":
                age = int(rnd() * 300)
            self.stats["today"] += 1
        elif r < 0.55:
            age = int(12 * 3600 + rnd() * 3 * DAY)
            status = ("dispatched", "dispatched", "taken", "finished", "signed", "signed")[
                int(rnd() * 6)
            ]
        elif r < 0.85:
            age = int(3 * DAY + rnd() * 11 * DAY)
            status = ("cannot_now", "cannot_now", "signed", "signed", "finished")[int(rnd() * 5)]
        else:
            age = int(14 * DAY + rnd() * (YEAR_DAYS - 15) * DAY)
            status = ("cannot_now", "signed", "signed", "finished", "finished")[int(rnd() * 5)]
        s = Row(t=now - age, estate_id=eid, status=status, urgency=urgency)
        self._live(s)
        self.stats["open"] += 1
        self.stats["overdue"] += s.next_due is not None and s.next_due < now
        return s

    def _live(self, s: Row) -> None:
        """The timeline of an open order up to its status, squeezed into its age."""
        rnd, now, t, eid = self.rng.random, self.now, s.t, s.estate_id
        c = self.clocks
        s.dispatch_due = c.due(eid, c.policy.DISPATCH, t, now)
        if s.urgency == "appointment":
            s.appointment = t + int(2 * 3600 + rnd() * 3 * DAY)
        if s.status == "reported":
            s.next_due, s.sweep_at = c.open_fields(s)
            return
        cannot_now = s.status == "cannot_now"
        s.status = "dispatched" if cannot_now else s.status
        steps = ["dispatched", "taken", "arrived", "finished", "signed"]
        reach = 2 if cannot_now else steps.index(s.status) + 1
        offsets = [30 + rnd() * 150, 60 + rnd() * 600, 300 + rnd() * 900, 900 + rnd() * 5400]
        offsets.append(60 + rnd() * 600)
        chain, at = [], 0.0
        for o in offsets[:reach]:
            at += o
            chain.append(at)
        room = now - 60 - t
        if chain and chain[-1] > room:  # squeeze the chain into the time there was
            f = room / chain[-1]
            chain = [x * f for x in chain]
        times = [t + int(x) for x in chain]
        s.dispatched = times[0]
        if rnd() < 0.2 and s.status == "dispatched" and not cannot_now:
            s.published = True  # open to take (抢单)
        else:
            s.technician = self._tech(eid)
        s.arrive_due = c.arrive_due(eid, s.urgency, s.dispatched, s.appointment, now)
        if len(times) > 1 and not cannot_now:
            s.taken = times[1]
        if len(times) > 2:
            s.arrived = times[2]
        if len(times) > 3:
            s.finished = times[3]
            s.feedback_due = c.due(eid, c.policy.FEEDBACK, s.finished, now)
            if rnd() < (0.9 if s.status == "signed" else 0.5):
                s.feedback = min(s.finished + int(120 + rnd() * 1200), now - 30)
        if len(times) > 4:
            s.signed = times[4]
        if cannot_now:  # taken and on site, then put off: back to dispatched
            s.cannot_now = times[-1]
            s.promise_due = c.due(eid, c.policy.PROMISE_CALL, s.cannot_now, now)
            if rnd() < 0.85:
                s.phoned = min(s.cannot_now + int(120 + rnd() * 1500), now - 30)
            s.urgency = "appointment"
            s.appointment = s.cannot_now + int(DAY * (1 + rnd() * 6))
            s.arrive_due = s.appointment
        if rnd() < 0.15 and s.status in ("dispatched", "taken"):
            s.chased = min(s.dispatched + int(rnd() * 3600), now - 30)
        s.next_due, s.sweep_at = c.open_fields(s)

    def _closed(self, s: Row) -> None:
        """A closed order's life: mostly in time, some late, squeezed before now."""
        rnd, now, t, eid = self.rng.random, self.now, s.t, s.estate_id
        c = self.clocks
        s.dispatch_due = c.due(eid, c.policy.DISPATCH, t, now)
        if s.urgency == "appointment":
            s.appointment = t + int(2 * 3600 + rnd() * 3 * DAY)
        if s.kind == "not_a_repair":
            s.closed = t + int(60 + rnd() * 900)
            return
        r = rnd()
        d = 20 + rnd() * 100 if r < 0.88 else (120 + rnd() * 180 if r < 0.97 else 300 + rnd() * 900)
        dispatched = t + int(d)
        s.technician = self._tech(eid)
        s.published = False
        arrive_due = c.arrive_due(eid, s.urgency, dispatched, s.appointment, now)
        taken = dispatched + int(30 + rnd() * 300)
        late = rnd() < 0.1
        if s.urgency == "appointment":
            arrived = arrive_due + int(-1200 + rnd() * 1500 if not late else 300 + rnd() * 1800)
            arrived = max(arrived, taken + 60)
        else:
            span = arrive_due - dispatched
            arrived = dispatched + int(
                span * (0.3 + rnd() * 0.7) if not late else span + 30 + rnd() * 1500
            )
            arrived = max(arrived, taken + 30)
        finished = arrived + int(600 + rnd() * 6600)
        feedback = finished + int(120 + rnd() * (1080 if rnd() < 0.9 else 2400))
        signed = finished + int(60 + rnd() * 540)
        closed = max(signed, feedback) + int(300 + rnd() * 3 * 3600)
        chain = [dispatched, taken, arrived, finished, feedback, signed, closed]
        if closed > now - 60:  # squeeze into the time there was
            f = (now - 60 - t) / (closed - t)
            chain = [t + int((x - t) * f) for x in chain]
        (s.dispatched, s.taken, s.arrived, s.finished, s.feedback, s.signed, s.closed) = chain
        s.arrive_due = c.arrive_due(eid, s.urgency, s.dispatched, s.appointment, now)
        s.feedback_due = c.due(eid, c.policy.FEEDBACK, s.finished, now)
        if rnd() < 0.03:
            s.chased = s.dispatched + int((s.arrived - s.dispatched) * rnd())

    def ts(self, t: int | None) -> str:
        if t is None:
            return NULL
        d, sec = divmod(int(t), DAY)
        return self.day_str[d - self.d0] + self.hms[sec]

    def _name(self) -> str:
        rng = self.rng
        return rng.choice(vocab.SURNAMES) + "".join(rng.sample(vocab.GIVEN, rng.choice([1, 2])))

    def row(self, oid: int, t: int, state: Row | None) -> tuple[str, str, str]:
        """One order's COPY line, its log lines and its fee lines."""
        rnd, ts = self.rng.random, self.ts
        if state is None:
            estate = self.refs.estates[self.estate_pick[int(rnd() * 100)]]
            s = Row(t=t, estate_id=estate["id"], urgency=self.urgencies[int(rnd() * 100)])
            s.kind = self.kinds[int(rnd() * 100)]
            self._closed(s)
        else:
            s = state
            estate = self.estate_by_id[s.estate_id]
            s.kind = "paid" if rnd() < 0.1 else "free"
        eid = s.estate_id
        month = self.day_str[(t + LOCAL) // DAY - self.d0].replace("-", "")[:6]
        seq = self.counters.get((eid, month), 0) + 1
        self.counters[(eid, month)] = seq
        number = f"WX-{month}-{seq:04d}"

        fault = self.faults[eid][int(rnd() * 100)]
        problems = PROBLEMS[fault]
        description = problems[int(rnd() * len(problems))]
        desk = self.desk[eid]
        reported_by = desk[int(rnd() * len(desk))]
        source = self.sources[int(rnd() * 100)]
        units = self.refs.units[eid]
        unit_id, location, name, phone = None, "", "", ""
        if units and rnd() < 0.85:
            unit_id, residents = units[int(rnd() * len(units))]
            if residents:
                name, phone = residents[int(rnd() * len(residents))]
        else:
            places = vocab.PLACES[estate["kind"]]
            location = places[int(rnd() * len(places))]
        if not name:
            name = self._name()
        rework_of = None
        recent = self.closed_recent[eid]
        if state is None and recent and rnd() < 0.008:
            candidates = [x for x in recent[-200:] if x[1] < t]
            if candidates:
                rework_of = candidates[int(rnd() * len(candidates))]
                unit_id, location = rework_of[2], rework_of[3]
                description = f"返工 {rework_of[4]}：{description}"
                self.stats["reworks"] += 1
        root_cause = (
            fault in ("water", "power", "drainage") and unit_id is not None and rnd() < 0.04
        )

        work_done = parts = fee_name = receipt = contractor = ""
        signed_name = unsigned_reason = cannot_reason = responsible = measures = ""
        fee_total = "0.00"
        fee_confirmed = warranty_sent = None
        fees = ""
        if s.kind == "not_a_repair":
            work_done = "非维修：已指导住户正确使用"
        elif s.finished is not None:
            work_done = WORK_DONE[int(rnd() * len(WORK_DONE))]
            parts = PARTS[int(rnd() * len(PARTS))]
        if s.kind == "paid" and s.taken is not None:
            lines = [FEE_ITEMS[int(rnd() * len(FEE_ITEMS))] for _ in range(1 + int(rnd() * 3))]
            total = 0
            for kind, item, price in lines:
                qty = 1 + int(rnd() * 2)
                amount = int(round(float(price) * 100)) * qty
                total += amount
                cents = f"{amount // 100}.{amount % 100:02d}"
                fees += f"{oid}\t{kind}\t{item}\t{price}\t{qty}.00\t{cents}\n"
            fee_total = f"{total // 100}.{total % 100:02d}"
            fee_confirmed = (s.arrived or s.taken) + 60 if (s.arrived or s.taken) else None
            fee_name = name
            if s.status == "closed":
                receipt = f"SJ{month}{oid:07d}"
            self.stats["paid"] += 1
        elif s.kind == "paid":
            s.kind = "free"
        if s.kind == "warranty" and s.arrived is not None:
            contractor = CONTRACTORS[int(rnd() * len(CONTRACTORS))]
            warranty_sent = s.arrived + 300
        if s.signed is not None:
            if rnd() < 0.95:
                signed_name = name
            else:
                unsigned_reason = "住户不在家，已电话确认"
        if s.cannot_now is not None:
            cannot_reason, responsible = CANNOT_NOW[int(rnd() * len(CANNOT_NOW))]
            measures = "已关闭分阀，做好临时防护"

        dept = self.engineering[eid]
        fields = [
            str(oid),
            str(eid),
            number,
            ts(t),
            str(reported_by),
            source,
            NULL,
            NULL if unit_id is None else str(unit_id),
            location,
            name,
            phone,
            description,
            fault,
            s.urgency,
            ts(s.appointment if s.urgency == "appointment" else None),
            s.kind,
            str(dept),
            NULL if s.technician is None else str(s.technician),
            "t" if s.published else "f",
            s.status,
            ts(s.dispatched),
            ts(s.taken),
            ts(s.arrived),
            ts(s.finished),
            ts(s.feedback),
            ts(s.signed),
            ts(s.closed),
            work_done,
            parts,
            fee_total,
            ts(fee_confirmed),
            fee_name,
            receipt,
            contractor,
            ts(warranty_sent),
            NULL,
            ts(s.chased),
            signed_name,
            unsigned_reason,
            ts(s.cannot_now),
            cannot_reason,
            responsible,
            measures,
            ts(s.phoned),
            "f",  # arrival_missed: the seeded cannot-now orders were on time before
            NULL if rework_of is None else str(rework_of[0]),
            "t" if root_cause else "f",
            ts(s.dispatch_due),
            ts(s.arrive_due),
            ts(s.feedback_due),
            ts(s.promise_due),
            ts(s.next_due),
            ts(s.sweep_at),
        ]
        data = json.dumps(
            {
                "source": source,
                "urgency": s.urgency,
                "fault": fault,
                "complaint": None,
                "rework_of": None if rework_of is None else rework_of[4],
            }
        )
        events = f"{oid}\treported\t{ts(t)}\t{reported_by}\t\t{data}\n"
        if s.dispatched is not None:
            dispatched = json.dumps(
                {
                    "technician_id": s.technician,
                    "published": s.published,
                    "round_robin": False,
                    "arrive_due": None,
                }
            )
            events += f"{oid}\tdispatched\t{ts(s.dispatched)}\t{reported_by}\t\t{dispatched}\n"
        if s.status == "closed":
            kind = "not_a_repair" if s.kind == "not_a_repair" else "closed"
            events += f"{oid}\t{kind}\t{ts(s.closed)}\t{reported_by}\t\t{{}}\n"
            recent.append((oid, s.closed, unit_id, location, number))
            if len(recent) > 2000:
                del recent[:1000]
        return "\t".join(fields) + "\n", events, fees


# --- loading -----------------------------------------------------------------------------


def seed(n: int, *, database_url: str, workers: int = 2, chunk: int = 2000) -> dict:
    """Truncate the repair tables and load ``n`` repair orders. Returns statistics."""
    import psycopg
    from django.db import connection

    from .seed import load_refs

    started = time.perf_counter()
    technicians = ensure_people()
    refs = load_refs()
    connection.close()
    now = time.time()
    gen = RepairGenerator(refs, technicians, now)
    times = gen.report_times(n)
    log(f"  report times of {n:,} repair orders in {time.perf_counter() - started:.1f}s")

    url = _libpq(database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        fast = _superuser(conn)
        conn.execute(f"TRUNCATE {', '.join(REPAIR_TABLES)} RESTART IDENTITY CASCADE")
        conn.execute("DELETE FROM casework_alarm WHERE case_type = 'repair'")
    log(f"  truncated {', '.join(REPAIR_TABLES)}; the repair alarms deleted")
    if not fast:
        workers = 1
    setup = copy_setup(fast)
    order_q: queue.Queue = queue.Queue(maxsize=4 * workers)
    event_q: queue.Queue = queue.Queue(maxsize=4 * workers)
    fee_q: queue.Queue = queue.Queue(maxsize=4 * workers)
    phases = [
        (f"COPY repairs_repairorder ({', '.join(COLUMNS)}) FROM STDIN", order_q),
        (f"COPY repairs_repairorderevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN", event_q),
        (f"COPY repairs_feeline ({', '.join(FEE_COLUMNS)}) FROM STDIN", fee_q),
    ]
    pool = start_pool(url, setup, phases, workers)
    ok = False
    try:
        t0 = time.perf_counter()
        buf: list[str] = []
        events: list[str] = []
        fees: list[str] = []
        for i, (t, state) in enumerate(times, start=1):
            line, ev, fee = gen.row(i, t, state)
            buf.append(line)
            events.append(ev)
            if fee:
                fees.append(fee)
            if len(buf) >= chunk:
                _put(order_q, "".join(buf), pool)
                buf.clear()
        if buf:
            _put(order_q, "".join(buf), pool)
        _end_phase(order_q, pool)
        t_gen = time.perf_counter() - t0
        n_events = 0
        for k in range(0, len(events), chunk):
            text = "".join(events[k : k + chunk])
            n_events += text.count("\n")
            _put(event_q, text, pool)
        _end_phase(event_q, pool)
        for k in range(0, len(fees), chunk):
            _put(fee_q, "".join(fees[k : k + chunk]), pool)
        _end_phase(fee_q, pool)
        n_fees = sum(f.count("\n") for f in fees)
        del events, fees, times
        _drain(pool)
        t_copy = time.perf_counter() - t0
        ok = True
    finally:
        _release(pool, ok)
    _check_committed(pool)
    log(
        f"  COPY {n:,} repair orders + {n_events:,} events + {n_fees:,} fee lines: "
        f"{t_copy:.1f}s (generation done after {t_gen:.1f}s)"
    )
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO repairs_repairordercounter (estate_id, month, last) "
            "VALUES (%s, %s, %s) ON CONFLICT (estate_id, month) DO UPDATE "
            "SET last = GREATEST(repairs_repairordercounter.last, EXCLUDED.last)",
            [(eid, month, last) for (eid, month), last in gen.counters.items()],
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('repairs_repairorder', 'id'), %s)", [n])
        for table in ("repairs_repairorderevent", "repairs_feeline"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        recount(cur, "repairs_repairorder")
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute(
            "VACUUM (ANALYZE) repairs_repairorder, repairs_repairorderevent, repairs_feeline, "
            "repairs_repairordercounter, repairs_shift, repairs_repairmonth"
        )
    t_vacuum = time.perf_counter() - t0
    log(f"  counters, VACUUM ANALYZE: {t_vacuum:.1f}s")
    return {
        "repair_orders": n,
        "events": n_events,
        "fee_lines": n_fees,
        **gen.stats,
        "rule_calls": gen.clocks.calls,
        "copy_connections": workers,
        "copy_s": round(t_copy, 1),
        "vacuum_analyze_s": round(t_vacuum, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
