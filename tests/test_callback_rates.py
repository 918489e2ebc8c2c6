"""The month's callback rates (callbacks.rates.month_rates): a month of complaints closed
and repairs finished at two estates and three departments, called back, not reached,
answered by letter or needing no callback; every rate checked against exact numbers and
against a slow count over every callback, the month cut at local midnight both sides."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import timezone, translation

from callbacks import policy, services
from callbacks.models import Callback, Kind, Satisfaction, Status
from callbacks.rates import month_rates
from repairs.models import Status as RepairStatus
from staff.models import Department
from staff.roles import Role
from tests.factories.complaints import advance, make_complaint
from tests.factories.repairs import advance as advance_order
from tests.factories.repairs import make_order, make_technician
from tests.factories.staff import make_staff

SH = ZoneInfo("Asia/Shanghai")
NOV = dt.date(2026, 11, 1)
# Measured after the month: a callback still due since November 20 is overdue, the
# one of November 30 23:59:59 (3 working days) is not yet.
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def at(y, m, d, hh=10, mm=0, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SH)


class Month:
    """The people and cases of the month, by name."""

    def __init__(self, clerk, clerk_jr, heads, techs):
        self.clerk, self.clerk_jr, self.heads, self.techs = clerk, clerk_jr, heads, techs
        self.cb: dict[str, Callback] = {}

    def complaint(self, name: str, closed: dt.datetime, *, head="eng", **fields) -> Callback:
        clerk = self.clerk_jr if head == "jr" else self.clerk
        with time_machine.travel(closed, tick=False):
            c = make_complaint(clerk=clerk, **fields)
            advance(c, to="closed", clerk=clerk, head=self.heads[head])
        self.cb[name] = Callback.objects.get(complaint=c)
        return self.cb[name]

    def repair(self, name: str, finished: dt.datetime, *, jr: bool = False) -> Callback:
        clerk = self.clerk_jr if jr else self.clerk
        with time_machine.travel(finished, tick=False):
            o = advance_order(
                make_order(clerk=clerk),
                to=RepairStatus.FINISHED,
                clerk=clerk,
                technician=self.techs["jr" if jr else "ch"],
            )
        self.cb[name] = Callback.objects.get(repair_order=o)
        return self.cb[name]

    def record(self, name: str, when: dt.datetime, satisfaction: str = "", words: str = "") -> None:
        """Called back and reached (with a satisfaction), or not reached."""
        cb = self.cb[name]
        clerk = self.clerk_jr if cb.estate.code == "JR" else self.clerk
        repair = cb.kind == Kind.REPAIR and bool(satisfaction)
        with time_machine.travel(when, tick=False):
            services.callback_record(
                actor=clerk,
                callback_id=cb.pk,
                method="phone",
                reached=bool(satisfaction),
                satisfaction=satisfaction,
                attitude="satisfied" if repair else "",
                speed="basic" if repair else "",
                quality="satisfied" if repair else "",
                words=words,
            )


@pytest.fixture
def month(clerk, dept_head, technician, other_clerk, jr, settings):
    """November 2026: CH 工程部 and 保安部, JR 工程部; and cases of October and December
    that must not count."""
    settings.CALLBACK_MAX_TRIES = 1  # one try not reached: unreachable
    ch = clerk.staff_profile.estate
    heads = {
        "eng": dept_head,
        "sec": make_staff("head_sec", Role.DEPARTMENT_HEAD, ch, Department.Kind.SECURITY),
        "jr": make_staff("head_jr", Role.DEPARTMENT_HEAD, jr, Department.Kind.ENGINEERING),
    }
    m = Month(clerk, other_clerk, heads, {"ch": technician, "jr": make_technician("tj", jr)})
    S, B, N = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.NOT_SATISFIED

    # The month's edges, local time: the first second counts, the second before does not;
    # the last second counts, the next month's first second does not.
    m.complaint("C1", at(2026, 11, 1, 0, 0, 0))
    m.record("C1", at(2026, 11, 2), S)
    m.complaint("oct", at(2026, 10, 31, 23, 59, 59))
    m.record("oct", at(2026, 11, 2), S)  # recorded in November, due in October
    m.complaint("C8", at(2026, 11, 30, 23, 59, 59))  # still due, not overdue yet
    m.complaint("dec", at(2026, 12, 1, 0, 0, 0))
    m.record("dec", at(2026, 12, 1, 9), B)
    # A repair falls due when engineering hands it in: 00:00 after the Friday of the week
    # its work was done. Done Thursday October 29: handed in for October 31.
    m.repair("R_oct", at(2026, 10, 29))
    m.record("R_oct", at(2026, 11, 3), S)
    # Done Monday November 30, handed in on Friday December 4: December's.
    m.repair("R_dec", at(2026, 11, 30))

    # CH 工程部: complaints
    m.complaint("C2", at(2026, 11, 5))
    m.record("C2", at(2026, 11, 6), B)
    m.complaint("C3", at(2026, 11, 6))
    m.record("C3", at(2026, 11, 9))  # not reached, once: unreachable
    m.complaint("C4", at(2026, 11, 10))
    m.complaint("C5", at(2026, 11, 10, 11))
    with time_machine.travel(at(2026, 11, 11), tick=False):
        services.letter_write(
            actor=clerk,
            estate_id=ch.pk,
            title="关于楼顶漏水的说明",
            body="各位住户：……",
            callback_ids=[m.cb["C4"].pk, m.cb["C5"].pk],
        )
    m.complaint("C6", at(2026, 11, 12), anonymous=True, resident_name="", resident_phone="")
    m.complaint("C7", at(2026, 11, 20))  # still due, overdue by NOW
    # CH 工程部: repairs
    m.repair("R1", at(2026, 11, 2))  # due from November 7
    m.record("R1", at(2026, 11, 9), S)
    m.repair("R2", at(2026, 11, 3))
    m.record("R2", at(2026, 11, 10))  # unreachable
    m.repair("R3", at(2026, 11, 18))  # due from November 21: still due, overdue by NOW
    # CH 保安部
    m.complaint("S1", at(2026, 11, 3), head="sec", category="security")
    m.record("S1", at(2026, 11, 4), S)
    m.complaint("S2", at(2026, 11, 4), head="sec", category="security")  # overdue
    # JR 工程部
    m.complaint("J1", at(2026, 11, 7), head="jr")
    m.record("J1", at(2026, 11, 9), S)
    m.complaint("J2", at(2026, 11, 7, 11), head="jr")
    m.record("J2", at(2026, 11, 9, 11), N, words="还是漏水")  # the complaint reopens
    m.repair("J3", at(2026, 11, 9), jr=True)  # due from November 14
    m.record("J3", at(2026, 11, 16), B)
    return m


# --- the slow, obvious count --------------------------------------------------------------


def slow_rates(estate_ids, year: int, month: int, now: dt.datetime) -> dict:
    """Every callback looked at one by one, in Python: counts per (estate, department)
    and per estate and in total, keyed ("total",), ("estate", e), ("dept", e, d)."""
    counts: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for cb in Callback.objects.all():
        local = timezone.localtime(cb.opened_at, SH)
        if cb.estate_id not in estate_ids or (local.year, local.month) != (year, month):
            continue
        for key in [("total",), ("estate", cb.estate_id), ("dept", cb.estate_id, cb.department_id)]:
            c = counts[key]
            c["callbacks"] += 1
            if cb.status == Status.NOT_NEEDED:
                c["not_needed"] += 1
                continue
            c["counted"] += 1
            c[f"{cb.kind}_counted"] += 1
            if cb.status == Status.DONE:
                c[f"{cb.kind}_done"] += 1
                c["dealt"] += 1
                if cb.method == "letter":
                    c["by_letter"] += 1
                if cb.satisfaction:
                    c[cb.satisfaction] += 1
            elif cb.status == Status.UNREACHABLE:
                c["dealt"] += 1
                c["unreachable"] += 1
            elif cb.status == Status.DUE:
                assert cb.callback_due is not None
                c["still_due"] += 1
                if cb.callback_due < now:
                    c["overdue"] += 1
    return counts


def pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else part * 100 / whole


FIELDS = [
    "callbacks",
    "not_needed",
    "counted",
    "dealt",
    "unreachable",
    "still_due",
    "overdue",
    "complaint_counted",
    "complaint_done",
    "repair_counted",
    "repair_done",
    "by_letter",
    "satisfied",
    "basic",
    "not_satisfied",
]


def check_against_slow(rates, slow, key) -> None:
    c = slow[key]
    assert {f: getattr(rates, f) for f in FIELDS} == {f: c[f] for f in FIELDS}, key
    assert rates.complaint_rate == pct(c["complaint_done"], c["complaint_counted"])
    assert rates.repair_rate == pct(c["repair_done"], c["repair_counted"])
    assert rates.handling_rate == pct(c["dealt"], c["counted"])
    sat = c["satisfied"] + c["basic"]
    assert rates.satisfaction_rate == pct(sat, sat + c["not_satisfied"])


# --- the tests ---------------------------------------------------------------------------


def test_every_rate_agrees_with_a_slow_count(month, ch, jr, django_assert_num_queries):
    with django_assert_num_queries(4):  # the counts kept, those overdue, the names
        r = month_rates([ch.pk, jr.pk], NOV, now=NOW)
    slow = slow_rates({ch.pk, jr.pk}, 2026, 11, NOW)
    check_against_slow(r.total, slow, ("total",))
    assert len(r.estates) == 2 and len(r.departments) == 3
    for e in r.estates:
        check_against_slow(e, slow, ("estate", e.key))
    for d in r.departments:
        check_against_slow(d, slow, ("dept", *d.key))
    assert {("estate", e.key) for e in r.estates} | {("dept", *d.key) for d in r.departments} | {
        ("total",)
    } == set(slow)


def test_the_reports_total_is_the_same_without_the_breakdown(
    month, ch, jr, django_assert_num_queries
):
    """The monthly report asks for the total alone and no overdue count: one query,
    the same rates."""
    full = month_rates([ch.pk, jr.pk], NOV, now=NOW).total
    with django_assert_num_queries(1):
        r = month_rates([ch.pk, jr.pk], NOV, now=NOW, overdue=False, breakdown=False)
    assert (r.estates, r.departments) == ([], [])
    assert r.total.overdue == 0 and full.overdue == 3
    full.overdue = 0
    assert r.total == full


def test_the_month_in_exact_numbers(month, ch, jr):
    r = month_rates([ch.pk, jr.pk], NOV, now=NOW)
    t = r.total
    # Complaints: CH 工程部 C1 C2 C3 C4 C5 C7 C8 (C6 anonymous), 保安部 S1 S2, JR J1 J2.
    assert (t.callbacks, t.not_needed, t.counted) == (16, 1, 15)
    assert (t.complaint_done, t.complaint_counted) == (7, 11)  # C1 C2 C4 C5 S1 J1 J2
    assert round(t.complaint_rate, 2) == 63.64 and t.complaint_ok
    assert (t.repair_done, t.repair_counted) == (2, 4)  # R1 J3 of R1 R2 R3 J3
    assert t.repair_rate == 50 and not t.repair_ok
    assert (t.dealt, t.unreachable) == (11, 2)  # + C3 R2
    assert round(t.handling_rate, 2) == 73.33 and not t.handling_ok
    assert (t.satisfied, t.basic, t.not_satisfied, t.by_letter) == (4, 2, 1, 2)
    assert round(t.satisfaction_rate, 2) == 85.71
    assert (t.still_due, t.overdue) == (4, 3)  # C7 R3 S2 overdue; C8 not yet

    by_label = {d.label: d for d in r.departments}
    ch_eng = by_label["翠湖花园 · Engineering (工程部)"]
    assert (ch_eng.complaint_done, ch_eng.complaint_counted) == (4, 7)
    assert round(ch_eng.complaint_rate, 2) == 57.14 and not ch_eng.complaint_ok
    assert (ch_eng.repair_done, ch_eng.repair_counted, ch_eng.dealt, ch_eng.counted) == (
        1,
        3,
        7,
        10,
    )
    assert (ch_eng.satisfied, ch_eng.basic, ch_eng.not_satisfied) == (2, 1, 0)
    assert ch_eng.satisfaction_rate == 100
    assert (ch_eng.not_needed, ch_eng.by_letter, ch_eng.overdue) == (1, 2, 2)
    sec = by_label["翠湖花园 · Security (保安部)"]
    assert (sec.complaint_done, sec.complaint_counted, sec.repair_rate) == (1, 2, None)
    assert sec.complaint_rate == 50 and sec.repair_ok  # nothing to count misses nothing
    jr_eng = by_label["金融中心大厦 · Engineering (工程部)"]
    assert (jr_eng.complaint_rate, jr_eng.repair_rate, jr_eng.handling_rate) == (100, 100, 100)
    assert round(jr_eng.satisfaction_rate, 2) == 66.67

    estates = {e.label: e for e in r.estates}
    assert (estates["翠湖花园"].complaint_done, estates["翠湖花园"].complaint_counted) == (5, 9)
    assert (estates["金融中心大厦"].counted, estates["金融中心大厦"].dealt) == (3, 3)
    assert [kind for kind, _r in r.rows] == ["department"] * 3 + ["estate"] * 2 + ["total"]


def test_the_month_is_cut_at_local_midnight(month, ch, jr):
    ids = [ch.pk, jr.pk]
    october = month_rates(ids, dt.date(2026, 10, 1), now=NOW).total
    assert (october.complaint_done, october.repair_done, october.callbacks) == (1, 1, 2)
    december = month_rates(ids, dt.date(2026, 12, 15), now=NOW).total
    assert (december.complaint_done, december.repair_counted, december.callbacks) == (1, 1, 2)
    first = month_rates(ids, NOV, now=NOW)
    assert first.start == dt.datetime(2026, 11, 1, tzinfo=SH)
    assert first.end == dt.datetime(2026, 12, 1, tzinfo=SH)
    assert month.cb["C1"].opened_at == first.start  # the first second counts
    assert month.cb["C8"].opened_at == first.end - dt.timedelta(seconds=1)
    # Repairs by their hand-in: finished in November, December's.
    assert month.cb["R_oct"].opened_at == at(2026, 10, 31, 0, 0)
    assert month.cb["R_dec"].opened_at == at(2026, 12, 5, 0, 0)


def test_one_estate_only(month, ch, jr):
    r = month_rates([ch.pk], NOV, now=NOW)
    slow = slow_rates({ch.pk}, 2026, 11, NOW)
    check_against_slow(r.total, slow, ("total",))
    assert [e.label for e in r.estates] == ["翠湖花园"]
    # One estate: departments are named without it, and no estate line is shown.
    assert {d.label for d in r.departments} == {"Engineering (工程部)", "Security (保安部)"}
    assert [kind for kind, _r in r.rows] == ["department", "department", "total"]
    assert (r.total.complaint_done, r.total.complaint_counted) == (5, 9)


def test_now_decides_what_is_overdue(month, ch, jr):
    before = month_rates([ch.pk, jr.pk], NOV, now=at(2026, 11, 21)).total
    assert (before.still_due, before.overdue) == (4, 1)  # only S2 (November 4)
    assert month_rates([ch.pk, jr.pk], NOV, now=at(2027, 1, 1)).total.overdue == 4


def test_an_empty_month(ch):
    r = month_rates([ch.pk], NOV, now=NOW)
    assert r.total.callbacks == 0 and r.departments == [] and r.estates == []
    assert r.total.complaint_rate is None and r.total.complaint_ok
    html = render_to_string("callbacks/_rates.html", {"rates": r})
    assert "No callbacks fell due in this month." in html


def test_the_table_marks_each_miss(month, ch, jr):
    r = month_rates([ch.pk, jr.pk], NOV, now=NOW)
    html = render_to_string("callbacks/_rates.html", {"rates": r})
    misses = sum(
        not ok for _kind, x in r.rows for ok in (x.complaint_ok, x.repair_ok, x.handling_ok)
    )
    assert misses == 10  # CH 工程部 3, 保安部 2 (complaints, handling), CH 3, total 2
    assert html.count('data-testid="rate-miss"') == misses
    assert "Callback rates of 2026-11" in html
    assert "table-responsive" in html
    assert f"≥ {policy.COMPLAINT_RATE_TARGET} %" in html
    assert "63.6 %" in html and "57.1 %" in html and "2 by letter" in html
    assert "+ 1 not needed" in html and "3 overdue" in html


def test_the_rates_page_shows_the_month_and_refuses_a_bad_month(client, clerk, dept_head):
    from django.conf import settings as django_settings
    from django.urls import reverse

    from tests.factories.complaints import advance, make_complaint

    advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    client.force_login(clerk)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("callbacks:rates"))
    assert page.status_code == 200 and 'data-testid="rates"' in page.content.decode()
    assert client.get(reverse("callbacks:rates"), {"month": "2026-11"}).status_code == 200
    for bad in ("2026-13", "nope", "1999-01"):
        assert client.get(reverse("callbacks:rates"), {"month": bad}).status_code == 404
