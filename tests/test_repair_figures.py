"""The month's figures of repair orders (repairs.figures.month_figures): every figure
checked exactly on orders walked through their life with the clock moved, both sides of
each on-time boundary, per technician and department, in one query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from repairs import services
from repairs.figures import month_bounds, month_figures, month_totals
from repairs.models import RepairOrder
from tests.factories.repairs import make_order, make_technician

SH = ZoneInfo("Asia/Shanghai")
NOV = dt.date(2026, 11, 1)
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def at(y, m, d, hh, mm, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SH)


def minutes(t: dt.datetime, m: float) -> dt.datetime:
    return t + dt.timedelta(minutes=m)


def report(clerk, when: dt.datetime, **fields) -> RepairOrder:
    with time_machine.travel(when, tick=False):
        return make_order(clerk=clerk, **fields)


def walk(o: RepairOrder, *, clerk, tech, receipt: str = "", **when: dt.datetime) -> RepairOrder:
    """Move the order on, each step at its time: dispatch, take, arrive, finish, sign,
    close (only the steps given; a paid order closes with its receipt number)."""
    steps = {
        "dispatch": lambda: services.repair_dispatch(actor=clerk, order_id=o.pk, technician=tech),
        "take": lambda: services.repair_take(actor=tech, order_id=o.pk),
        "arrive": lambda: services.repair_arrive(actor=tech, order_id=o.pk),
        "finish": lambda: services.repair_finish(actor=tech, order_id=o.pk, work_done="更换阀芯"),
        "sign": lambda: services.repair_sign(actor=tech, order_id=o.pk, signed_name="张三"),
        "close": lambda: services.repair_close(actor=clerk, order_id=o.pk, receipt_number=receipt),
    }
    for name, step in steps.items():
        if name in when:
            with time_machine.travel(when[name], tick=False):
                step()
    o.refresh_from_db()
    return o


def standard(o: RepairOrder, *, clerk, tech, close: bool = True) -> RepairOrder:
    """Dispatched after 1 minute, on site after 11 (due at 16), done 30 minutes later."""
    t = o.reported_at
    steps: dict[str, Any] = {
        "dispatch": minutes(t, 1),
        "take": minutes(t, 2),
        "arrive": minutes(t, 11),
        "finish": minutes(t, 41),
    }
    if close:
        steps |= {"sign": minutes(t, 45), "close": minutes(t, 50)}
    return walk(o, clerk=clerk, tech=tech, **steps)


def not_a_repair(o: RepairOrder, *, clerk, when: dt.datetime) -> RepairOrder:
    with time_machine.travel(when, tick=False):
        services.repair_not_a_repair(actor=clerk, order_id=o.pk, note="已指导住户正确使用")
    o.refresh_from_db()
    return o


@pytest.fixture
def month(clerk, technician, other_clerk):
    """The orders of November 2026 at CH (and some that must not count)."""
    estate = clerk.staff_profile.estate
    tech, tech2 = technician, make_technician("tech2", estate)
    o = {}
    # The first second of the month counts; the last second of October does not.
    o["first"] = not_a_repair(
        report(clerk, at(2026, 11, 1, 0, 0)), clerk=clerk, when=at(2026, 11, 1, 0, 1)
    )
    not_a_repair(
        report(clerk, at(2026, 10, 31, 23, 59, 59)), clerk=clerk, when=at(2026, 11, 1, 0, 1)
    )
    # Another estate's order does not count.
    standard(
        report(other_clerk, at(2026, 11, 2, 9, 0)),
        clerk=other_clerk,
        tech=make_technician("tech_jr", other_clerk.staff_profile.estate),
    )
    # A: dispatched at its deadline to the second, on site at its deadline: on time.
    o["A"] = walk(
        report(clerk, at(2026, 11, 2, 10, 0)),
        clerk=clerk,
        tech=tech,
        dispatch=at(2026, 11, 2, 10, 2, 0),
        take=at(2026, 11, 2, 10, 5),
        arrive=at(2026, 11, 2, 10, 17, 0),
        finish=at(2026, 11, 2, 10, 47),
        sign=at(2026, 11, 2, 10, 50),
        close=at(2026, 11, 2, 10, 55),
    )
    # B: one second late for both.
    o["B"] = walk(
        report(clerk, at(2026, 11, 3, 10, 0)),
        clerk=clerk,
        tech=tech,
        dispatch=at(2026, 11, 3, 10, 2, 1),
        take=at(2026, 11, 3, 10, 5),
        arrive=at(2026, 11, 3, 10, 17, 2),
        finish=at(2026, 11, 3, 10, 27, 2),
        sign=at(2026, 11, 3, 10, 30),
        close=at(2026, 11, 3, 10, 35),
    )
    # C: dispatched in time, never arrived, its arrival deadline long past: late.
    o["C"] = walk(
        report(clerk, at(2026, 11, 4, 10, 0)),
        clerk=clerk,
        tech=tech2,
        dispatch=at(2026, 11, 4, 10, 1),
    )
    # D: reported a minute ago, dispatch not yet due: not counted.
    o["D"] = report(clerk, minutes(NOW, -1))
    # S: dispatched five minutes ago, arrival not yet due: not counted for arrival.
    o["S"] = walk(
        report(clerk, minutes(NOW, -5)), clerk=clerk, tech=tech2, dispatch=minutes(NOW, -4)
    )
    # E: never dispatched, still open: late.
    o["E"] = report(clerk, at(2026, 11, 5, 10, 0))
    # F: not a repair, closed at the dispatch deadline: the clock never ran out.
    o["F"] = not_a_repair(
        report(clerk, at(2026, 11, 6, 10, 0)), clerk=clerk, when=at(2026, 11, 6, 10, 2, 0)
    )
    # G: closed one second after it, never dispatched: late.
    o["G"] = not_a_repair(
        report(clerk, at(2026, 11, 6, 11, 0)), clerk=clerk, when=at(2026, 11, 6, 11, 2, 1)
    )
    # H, redone as R (返工).
    o["H"] = standard(report(clerk, at(2026, 11, 7, 10, 0)), clerk=clerk, tech=tech)
    with time_machine.travel(at(2026, 11, 8, 10, 0), tick=False):
        rework = services.repair_rework(actor=clerk, order_id=o["H"].pk, reason="仍然漏水")
    o["R"] = standard(rework, clerk=clerk, tech=tech)
    # P: paid, closed with its receipt; Q: paid, done but not closed.
    for key, day, price, receipt in (("P", 9, "12.50", "R-001"), ("Q", 10, "15", "")):
        p = report(clerk, at(2026, 11, day, 10, 0))
        t = p.reported_at
        walk(p, clerk=clerk, tech=tech2, dispatch=minutes(t, 1), take=minutes(t, 2))
        with time_machine.travel(minutes(t, 3), tick=False):
            services.repair_set_fees(
                actor=tech2,
                order_id=p.pk,
                lines=[
                    services.Line("labour", "人工费", "50", "1"),
                    services.Line("material", "阀芯", price, "2"),
                ],
            )
            services.repair_confirm_fee(actor=tech2, order_id=p.pk, resident_name="张三")
        steps: dict[str, Any] = {"arrive": minutes(t, 11), "finish": minutes(t, 41)}
        if receipt:
            steps |= {"sign": minutes(t, 45), "close": minutes(t, 50)}
        o[key] = walk(p, clerk=clerk, tech=tech2, receipt=receipt, **steps)
    return {"orders": o, "tech": tech, "tech2": tech2, "estate": estate}


def test_month_bounds_are_local_months():
    start, end = month_bounds(dt.date(2026, 12, 15))
    assert start == at(2026, 12, 1, 0, 0)
    assert end == dt.datetime(2027, 1, 1, tzinfo=SH)


def test_the_whole_month(month, django_assert_num_queries):
    with django_assert_num_queries(5):  # closed (kept), open, reworked, then the names
        f = month_figures([month["estate"].pk], NOV, now=NOW)
    t = f.total
    assert t.orders == 13
    # Counted: A B C E G H R P Q S; on time: A C H R P Q S.
    assert (t.dispatch_on_time, t.dispatch_counted) == (7, 10)
    assert t.dispatch_rate == pytest.approx(70.0)
    # Counted: A B C H R P Q; on time: A H R P Q.
    assert (t.arrive_on_time, t.arrive_counted) == (5, 7)
    assert t.arrive_rate == pytest.approx(500 / 7)
    # Closed: first A B F G H R P; H was redone.
    assert (t.reworked, t.closed) == (1, 8)
    assert t.rework_rate == pytest.approx(12.5)
    assert not t.rework_ok and not t.dispatch_ok and not t.arrive_ok
    # Report to on site: A 17:00, B 17:02, H R P Q 11:00 each.
    assert t.arrived == 6
    assert t.minutes_to_arrive == pytest.approx((1020 + 1022 + 4 * 660) / 6 / 60)
    # On site to done: A 30, B 10, H R P Q 30 each.
    assert t.minutes_to_finish == pytest.approx((30 + 10 + 4 * 30) / 6)
    # P only: 50 × 1 + 12.50 × 2.
    assert t.revenue == Decimal("75.00")


def test_month_totals_are_the_whole_months(month, django_assert_num_queries):
    """The monthly report's totals (several months in three queries) are those of
    ``month_figures``; a month without orders is all zeros."""
    oct_, june = dt.date(2026, 10, 1), dt.date(2026, 6, 1)
    with django_assert_num_queries(3):
        (nov, nov_kinds), (october, _kinds), (empty, empty_kinds) = month_totals(
            [month["estate"].pk], [NOV, oct_, june], now=NOW
        )
    assert october.orders == 1
    assert october == month_figures([month["estate"].pk], oct_, now=NOW).total
    assert nov == month_figures([month["estate"].pk], NOV, now=NOW).total
    assert sum(nov_kinds.values()) == nov.orders == 13
    start, end = month_bounds(NOV)
    orders = RepairOrder.objects.filter(
        estate=month["estate"], reported_at__gte=start, reported_at__lt=end
    )
    assert nov_kinds == {k: orders.filter(kind=k).count() for k in {o.kind for o in orders}}
    assert (empty.orders, empty.closed, empty_kinds) == (0, 0, {})


def test_a_rework_ordered_the_next_month_counts_for_the_order_it_redoes(clerk, technician):
    """The rework rate belongs to the month the redone order was reported in, even when
    the rework is ordered weeks later: only reworks reported before the first month
    asked for are left unread."""
    estate = clerk.staff_profile.estate
    october = standard(report(clerk, at(2026, 10, 30, 10, 0)), clerk=clerk, tech=technician)
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        services.repair_rework(actor=clerk, order_id=october.pk, reason="仍然漏水")
    oct_ = dt.date(2026, 10, 1)
    oct_total = month_figures([estate.pk], oct_, now=NOW).total
    assert (oct_total.reworked, oct_total.closed) == (1, 1)
    assert month_figures([estate.pk], NOV, now=NOW).total.reworked == 0
    (nov, _), (oct_again, _) = month_totals([estate.pk], [NOV, oct_], now=NOW)
    assert (oct_again.reworked, nov.reworked) == (1, 0)


def test_a_closed_orders_figures_follow_a_later_edit(month):
    """The closed orders are counted by the database: an edit after the closure (a
    receipt number entered, a fee corrected by hand) shows at once, as a new count
    would."""
    p = RepairOrder.objects.get(pk=month["orders"]["P"].pk)
    before = month_figures([month["estate"].pk], NOV, now=NOW).total.revenue
    RepairOrder.objects.filter(pk=p.pk).update(fee_total=p.fee_total + Decimal("10.00"))
    after = month_figures([month["estate"].pk], NOV, now=NOW).total.revenue
    assert after == before + Decimal("10.00")
    RepairOrder.objects.filter(pk=p.pk).update(receipt_number="")
    assert month_figures([month["estate"].pk], NOV, now=NOW).total.revenue == 0


def test_per_technician(month):
    f = month_figures([month["estate"].pk], NOV, now=NOW)
    by = {x.key: x for x in f.technicians}
    tech, tech2 = by[month["tech"].pk], by[month["tech2"].pk]
    nobody = by[None]
    assert [x.key for x in f.technicians][-1] is None  # "nobody yet" comes last
    assert nobody.label == "Nobody yet"
    # tech: A B H R.
    assert tech.orders == 4
    assert (tech.dispatch_on_time, tech.dispatch_counted) == (3, 4)
    assert (tech.arrive_on_time, tech.arrive_counted) == (3, 4)
    assert (tech.reworked, tech.closed) == (1, 4)
    assert tech.rework_rate == pytest.approx(25.0)
    assert tech.minutes_to_arrive == pytest.approx((1020 + 1022 + 660 + 660) / 4 / 60)
    assert tech.minutes_to_finish == pytest.approx(25.0)
    assert tech.revenue == Decimal("0")
    # tech2: C P Q S.
    assert tech2.orders == 4
    assert (tech2.dispatch_on_time, tech2.dispatch_counted) == (4, 4)
    assert tech2.dispatch_ok
    assert (tech2.arrive_on_time, tech2.arrive_counted) == (2, 3)
    assert (tech2.reworked, tech2.closed) == (0, 1)
    assert tech2.rework_rate == 0 and tech2.rework_ok
    assert tech2.minutes_to_arrive == pytest.approx(11.0)
    assert tech2.minutes_to_finish == pytest.approx(30.0)
    assert tech2.revenue == Decimal("75.00")
    # Nobody: first D E F G (never dispatched).
    assert nobody.orders == 5
    assert (nobody.dispatch_on_time, nobody.dispatch_counted) == (0, 2)
    assert nobody.arrive_counted == 0 and nobody.arrive_rate is None
    assert nobody.minutes_to_arrive is None and nobody.minutes_to_finish is None
    assert (nobody.reworked, nobody.closed) == (0, 3)


def test_per_department(month):
    f = month_figures([month["estate"].pk], NOV, now=NOW)
    assert len(f.departments) == 1
    (eng,) = f.departments
    assert eng.orders == 13 and eng.revenue == Decimal("75.00")
    assert (eng.dispatch_on_time, eng.dispatch_counted) == (7, 10)


def test_several_estates_name_the_estate(month, jr):
    f = month_figures([month["estate"].pk, jr.pk], NOV, now=NOW)
    assert f.total.orders == 14
    assert sorted(d.label for d in f.departments) == sorted(
        f"{e.name} · {d}"
        for e, d in ((month["estate"], "Engineering (工程部)"), (jr, "Engineering (工程部)"))
    )


def test_arrival_deadline_running_out_later(month):
    """Seen before C's arrival deadline, C is not counted yet; S is counted once its
    deadline has passed."""
    c = month["orders"]["C"]
    early = month_figures([month["estate"].pk], NOV, now=c.arrive_due)
    late = month_figures([month["estate"].pk], NOV, now=c.arrive_due + dt.timedelta(seconds=1))
    # At C's deadline D, E, S are not yet reported and the rest is as in the data.
    assert late.total.arrive_counted == early.total.arrive_counted + 1
    s = month["orders"]["S"]
    at_due = month_figures([month["estate"].pk], NOV, now=s.arrive_due)
    after = month_figures([month["estate"].pk], NOV, now=s.arrive_due + dt.timedelta(seconds=1))
    assert (at_due.total.arrive_counted, after.total.arrive_counted) == (7, 8)
    assert after.total.arrive_on_time == 5


def test_an_empty_month(month):
    f = month_figures([month["estate"].pk], dt.date(2026, 9, 1), now=NOW)
    assert f.total.orders == 0
    assert f.technicians == [] and f.departments == []
    assert f.total.dispatch_rate is None and f.total.rework_rate is None
    assert f.total.dispatch_ok and f.total.rework_ok
    assert f.total.revenue == Decimal("0")


def test_the_board_shows_them(month, dept_head):
    c = Client()
    c.force_login(dept_head)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(NOW, tick=False):
        body = c.get(reverse("repairs:board")).content.decode()
        october = c.get(reverse("repairs:board"), {"month": "2026-10"}).content.decode()
    total = body.split('data-testid="figures-total"')[1].split("</tr>")[0]
    assert "70.0 %" in total and "7/10" in total
    assert "71.4 %" in total and "5/7" in total
    assert "12.5 %" in total and "1/8" in total
    assert "75.00" in total
    assert "text-danger" in total  # off target
    assert "Figures of 2026-11" in body
    assert "target 100 %" in body and "target ≤ 1 %" in body
    assert "Figures of 2026-10" in october
    # October: the one order closed at once as not a repair (no clock ran out).
    october_total = october.split('data-testid="figures-total"')[1].split("</tr>")[0]
    assert '<td class="text-end">1</td>' in october_total
    assert october_total.count("—") == 4  # dispatch, arrival, both averages
    assert "0.0 %" in october_total and "0/1" in october_total


@pytest.mark.parametrize(("arrived_after", "on_time"), [(15, True), (16.5, False)])
def test_a_late_arrival_stays_late_after_cannot_be_done_now(
    clerk, technician, arrived_after, on_time
):
    """The first visit was late (or not): "cannot be done now" sets a new appointment,
    met on time, but the rate keeps the first arrival's lateness."""
    t = at(2026, 11, 10, 9, 0)
    o = report(clerk, t)
    o = walk(o, clerk=clerk, tech=technician, dispatch=minutes(t, 1), take=minutes(t, 2))
    o = walk(o, clerk=clerk, tech=technician, arrive=minutes(t, arrived_after))
    with time_machine.travel(minutes(t, 30), tick=False):
        services.repair_cannot_now(
            actor=technician, order_id=o.pk, reason="缺配件", promised_at=at(2026, 11, 11, 9, 0)
        )
    walk(
        o,
        clerk=clerk,
        tech=technician,
        take=at(2026, 11, 11, 8, 0),
        arrive=at(2026, 11, 11, 8, 55),
    )
    f = month_figures([o.estate_id], NOV, now=NOW).total
    assert (f.arrive_on_time, f.arrive_counted) == ((1, 1) if on_time else (0, 1))


FIGURE_ROWS_TEMPLATE = """{% for kind, f in figure_rows %}
{% if kind == "heading" %}<tr><th colspan="8" scope="rowgroup" class="small text-muted">{{ f }}</th></tr>
{% elif kind == "empty" %}<tr><td colspan="8" class="text-muted">{{ f }}</td></tr>
{% else %}<tr class="{% if kind == 'total' %}table-light fw-semibold{% endif %}" data-testid="figures-{{ kind }}">
  <th scope="row" class="fw-normal">{{ f.label }}</th>
  <td class="text-end">{{ f.orders }}</td>
  <td class="text-end{% if not f.dispatch_ok %} text-danger{% endif %}">{% if f.dispatch_rate is None %}—{% else %}{{ f.dispatch_rate|floatformat:1 }} %<div class="small text-muted">{{ f.dispatch_on_time }}/{{ f.dispatch_counted }}</div>{% endif %}</td>
  <td class="text-end{% if not f.arrive_ok %} text-danger{% endif %}">{% if f.arrive_rate is None %}—{% else %}{{ f.arrive_rate|floatformat:1 }} %<div class="small text-muted">{{ f.arrive_on_time }}/{{ f.arrive_counted }}</div>{% endif %}</td>
  <td class="text-end{% if not f.rework_ok %} text-danger{% endif %}">{% if f.rework_rate is None %}—{% else %}{{ f.rework_rate|floatformat:1 }} %<div class="small text-muted">{{ f.reworked }}/{{ f.closed }}</div>{% endif %}</td>
  <td class="text-end">{% if f.minutes_to_arrive is None %}—{% else %}{{ f.minutes_to_arrive|floatformat:1 }}{% endif %}</td>
  <td class="text-end">{% if f.minutes_to_finish is None %}—{% else %}{{ f.minutes_to_finish|floatformat:1 }}{% endif %}</td>
  <td class="text-end">{{ f.revenue|floatformat:2 }}</td>
</tr>{% endif %}
{% endfor %}"""  # noqa: E501 - board.html's rows as they were


def test_the_figures_rows_written_in_python_are_the_templates(db):
    """board.html's figures rows are written in Python (repairs.views.board): the same
    markup as the template drew, for every kind of row, missing and missed figures, in
    both languages."""
    import re
    from decimal import Decimal

    from django.template import engines
    from django.utils import translation

    from repairs.figures import Figures
    from repairs.views.board import figure_rows_html

    full = Figures(1, "张<b>师傅</b>", orders=1234, dispatch_counted=3, dispatch_on_time=2)
    full.add(
        {
            "arrive_counted": 7,
            "arrive_on_time": 7,
            "closed": 200,
            "reworked": 3,
            "arrived": 3,
            "to_arrive": dt.timedelta(minutes=50),
            "finished": 2,
            "to_finish": dt.timedelta(minutes=125, seconds=30),
            "revenue": Decimal("12345.675"),
        }
    )
    rows = [
        ("total", full),
        ("heading", "按部门 <i>"),
        ("department", Figures(2, "工程部")),
        ("technician", Figures(None, "Nobody yet", orders=1, dispatch_counted=1)),
        ("empty", "No orders this month."),
    ]
    old = engines["django"].from_string(FIGURE_ROWS_TEMPLATE)

    def squeezed(html: str) -> str:
        return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()

    for language in ("zh-hans", "en"):
        with translation.override(language):
            ours = squeezed(str(figure_rows_html(rows)))
            assert ours == squeezed(old.render({"figure_rows": rows}))
            assert "&lt;b&gt;" in ours and "<b>" not in ours and "&lt;i&gt;" in ours
            assert "66.7 %" in ours and "12345.68" in ours and "text-danger" in ours
