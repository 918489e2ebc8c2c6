"""The engineering head's board: who reads it, today's orders by state and technician,
the late, chased and root-cause marks, the filters, the live fragment, the estates a
manager chooses, and a number of queries that does not grow with the orders."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from repairs import services
from repairs.models import Fault, RepairOrder, Shift, Status, Urgency
from staff.models import Department
from staff.roles import Role
from tests.factories.repairs import advance, make_order, make_technician
from tests.factories.staff import UnitFactory, make_staff

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)
BOARD = reverse("repairs:board")
LIVE = reverse("repairs:board_live")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def at_t0():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def get(user, url=BOARD, **params):
    return client_for(user).get(url, params)


def column(body: str, state: str) -> str:
    """The HTML of one state's column."""
    match = re.search(
        rf'data-testid="board-column" data-state="{state}".*?</section>',
        body,
        re.S,
    )
    assert match, f"no column {state}"
    return match.group(0)


def in_state(status, *, clerk, tech, **fields):
    o = make_order(clerk=clerk, **fields)
    return advance(o, to=status, clerk=clerk, technician=tech)


# --- who reads it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("clerk", 200),
        ("duty_officer", 200),
        ("dept_head", 200),
        ("supervisor", 200),
        ("director", 200),
        ("gm", 200),
        ("manager", 200),
        ("technician", 403),
        ("no_role", 403),
    ],
)
@pytest.mark.parametrize("url", [BOARD, LIVE])
def test_who_reads_the_board(user_of, role, status, url, ch):
    assert get(user_of(role), url).status_code == status


def test_a_cleaning_head_does_not_read_it(ch):
    head = make_staff("clean_head", Role.DEPARTMENT_HEAD, ch, Department.Kind.CLEANING)
    assert get(head).status_code == 403


def test_posting_to_the_board_is_refused(dept_head):
    assert client_for(dept_head).post(BOARD).status_code == 405


# --- what it shows -----------------------------------------------------------------------


def test_orders_by_state_today(clerk, technician, dept_head):
    with time_machine.travel(T0 - dt.timedelta(days=1), tick=False):
        closed_yesterday = in_state(Status.CLOSED, clerk=clerk, tech=technician)
        old_open = in_state(Status.SIGNED, clerk=clerk, tech=technician)
    with time_machine.travel(T0, tick=False):
        made = {
            s: in_state(s, clerk=clerk, tech=technician)
            for s in [Status.DISPATCHED, Status.TAKEN, Status.ARRIVED, Status.FINISHED]
        }
        made[Status.REPORTED] = make_order(clerk=clerk)
        made[Status.CLOSED] = in_state(Status.CLOSED, clerk=clerk, tech=technician)
        body = get(dept_head).content.decode()
    for status, o in made.items():
        assert o.number in column(body, status), status
    assert old_open.number in column(body, Status.SIGNED)
    assert closed_yesterday.number not in body
    assert 'http-equiv="refresh"' not in body
    assert reverse("repairs:detail", args=[made[Status.TAKEN].pk]) in body
    assert 'data-testid="board-refresh"' in body
    assert "js/board.js" in body and "css/board.css" in body


def test_late_mark_on_a_live_clock(clerk, technician, dept_head):
    with time_machine.travel(T0 - dt.timedelta(minutes=10), tick=False):
        late = make_order(clerk=clerk, unit=UnitFactory(estate=clerk.staff_profile.estate))
    with time_machine.travel(T0, tick=False):
        fresh = make_order(clerk=clerk)
        body = get(dept_head).content.decode()
    reported = column(body, Status.REPORTED)
    late_line = reported.split(late.number)[1].split("</li>")[0]
    fresh_line = reported.split(fresh.number)[1].split("</li>")[0]
    assert 'data-testid="late-badge"' in late_line
    assert "Dispatch to engineering" in late_line
    assert 'data-testid="late-badge"' not in fresh_line
    assert "Dispatch to engineering" in fresh_line


def test_met_clock_is_not_late(clerk, technician, dept_head):
    """Dispatched within its 2 minutes: the arrival clock is the one shown, not late."""
    with time_machine.travel(T0, tick=False):
        o = in_state(Status.DISPATCHED, clerk=clerk, tech=technician)
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        line = column(get(dept_head).content.decode(), Status.DISPATCHED)
    assert o.number in line
    assert "Technician on site" in line
    assert 'data-testid="late-badge"' not in line
    with time_machine.travel(T0 + dt.timedelta(minutes=16), tick=False):
        line = column(get(dept_head).content.decode(), Status.DISPATCHED)
    assert 'data-testid="late-badge"' in line


def test_badges_chased_root_cause_urgency(clerk, technician, dept_head, at_t0):
    unit = UnitFactory(estate=clerk.staff_profile.estate)
    first = make_order(clerk=clerk, unit=unit, fault=Fault.POWER, urgency=Urgency.EMERGENCY)
    again = make_order(clerk=clerk, unit=unit, fault=Fault.POWER)
    services.repair_chase(actor=clerk, order_id=first.pk)
    appointment = make_order(
        clerk=clerk, urgency=Urgency.APPOINTMENT, appointment_at=T0 + dt.timedelta(days=1)
    )
    body = column(get(dept_head).content.decode(), Status.REPORTED)
    lines = {o.number: body.split(o.number)[1].split("</li>")[0] for o in (first, again)}
    lines[appointment.number] = body.split(appointment.number)[1].split("</li>")[0]
    assert 'data-testid="chased-badge"' in lines[first.number]
    assert 'data-testid="chased-badge"' not in lines[again.number]
    assert 'data-testid="root-cause-badge"' in lines[again.number]
    assert 'data-testid="root-cause-badge"' not in lines[first.number]
    assert "Emergency (特急)" in lines[first.number]
    assert "Urgent (急修)" in lines[again.number]
    assert "Appointment (预约)" in lines[appointment.number]
    assert "Bldg" in lines[first.number]


def test_place_when_no_unit(clerk, dept_head, at_t0):
    make_order(clerk=clerk, unit=None, location="3号楼电梯厅")
    assert "3号楼电梯厅" in get(dept_head).content.decode()


def named(user, last, first):
    user.last_name, user.first_name = last, first
    user.save(update_fields=["last_name", "first_name"])
    return user


def test_technician_table(clerk, technician, dept_head, at_t0):
    named(technician, "张", "师傅")
    other = named(make_technician("tech2", clerk.staff_profile.estate), "李", "工")
    in_state(Status.TAKEN, clerk=clerk, tech=technician)
    in_state(Status.TAKEN, clerk=clerk, tech=technician)
    in_state(Status.ARRIVED, clerk=clerk, tech=other)
    make_order(clerk=clerk)
    published = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=published.pk)  # open to take
    resp = get(dept_head)
    crew = {r.label: r.cells for r in resp.context["crew"]}
    states = [Status.REPORTED, Status.DISPATCHED, Status.TAKEN, Status.ARRIVED]
    idx = {s: i for i, s in enumerate(states)}
    assert crew["张师傅"][idx[Status.TAKEN]] == 2
    assert sum(crew["张师傅"]) == 2
    assert crew["李工"][idx[Status.ARRIVED]] == 1
    assert sum(crew["李工"]) == 1
    unassigned = crew["Unassigned / open to take"]
    assert unassigned[idx[Status.REPORTED]] == 1
    assert unassigned[idx[Status.DISPATCHED]] == 1
    body = resp.content.decode()
    assert "Open to take (抢单)" in column(body, Status.DISPATCHED)
    assert body.count('data-testid="crew-row"') == 3


def test_technician_table_names_someone_no_longer_a_technician_here(
    clerk, technician, jr, dept_head, at_t0
):
    """The names come from the filter's list of the estate's technicians; an order still
    held by someone who left it (moved to another estate) keeps his name in the table."""
    named(technician, "张", "师傅")
    in_state(Status.TAKEN, clerk=clerk, tech=technician)
    profile = technician.staff_profile
    profile.estate = jr
    profile.save(update_fields=["estate"])
    with CaptureQueriesContext(connection) as queries:
        resp = get(dept_head)
    crew = {r.label: r.cells for r in resp.context["crew"]}
    assert sum(crew["张师傅"]) == 1
    # Back among them: his name comes from the list, one query fewer.
    profile.estate = clerk.staff_profile.estate
    profile.save(update_fields=["estate"])
    with CaptureQueriesContext(connection) as usual:
        resp = get(dept_head)
    assert sum({r.label: r.cells for r in resp.context["crew"]}["张师傅"]) == 1
    assert len(queries.captured_queries) == len(usual.captured_queries) + 1


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def mix(clerk, technician):
    estate = clerk.staff_profile.estate
    other = make_technician("tech2", estate)
    with time_machine.travel(T0 - dt.timedelta(minutes=30), tick=False):
        late = make_order(clerk=clerk)  # not dispatched within 2 minutes
    with time_machine.travel(T0, tick=False):
        mine = in_state(Status.TAKEN, clerk=clerk, tech=technician)
        theirs = in_state(Status.ARRIVED, clerk=clerk, tech=other)
        appointment = make_order(
            clerk=clerk, urgency=Urgency.APPOINTMENT, appointment_at=T0 + dt.timedelta(days=1)
        )
    return {
        "late": late,
        "mine": mine,
        "theirs": theirs,
        "appointment": appointment,
        "other": other,
    }


def numbers(resp) -> set[str]:
    return {line["number"] for col in resp.context["columns"] for line in col.lines}


FILTER_SETS = [
    {},
    {"state": Status.TAKEN},
    {"technician": "unassigned"},
    {"technician": "TECH"},
    {"urgency": Urgency.URGENT},
    {"late": True},
    {"state": Status.REPORTED, "urgency": Urgency.URGENT, "late": True},
    {"state": Status.ARRIVED, "technician": "TECH", "urgency": Urgency.URGENT, "late": True},
]


@pytest.mark.parametrize("filters", FILTER_SETS)
def test_each_shape_of_the_board_reads_as_the_orm_reads(
    dept_head, gm, technician, mix, at_t0, filters
):
    """The board's first ids and counts run as statements compiled once for each reach
    and set of filters (staff.prepared): the same rows as the querysets give."""
    from repairs.selectors import reach_of
    from repairs.views.board import (
        _COUNTS,
        _FIRST_IDS,
        BoardFilters,
        _board_read,
        _counts,
        _first_ids,
        _today_start,
    )

    now = timezone.now()
    estate = dept_head.staff_profile.estate
    given = {k: str(mix["theirs"].technician_id) if v == "TECH" else v for k, v in filters.items()}
    f = BoardFilters.of(given, now)
    for reader in (dept_head, gm):
        reach = reach_of(reader)
        for build, statement, more in ((_first_ids, _FIRST_IDS, ()), (_counts, _COUNTS, (now,))):
            args = (reach, estate.pk, f, *more, _today_start(now))
            compiled = _board_read(statement, *args)
            assert compiled == list(build(*args))
            assert compiled == _board_read(statement, *args)  # the second time, compiled


def test_filters(dept_head, technician, mix, at_t0):
    everyone = {o.number for k, o in mix.items() if k != "other"}
    assert numbers(get(dept_head)) == everyone
    assert numbers(get(dept_head, state="taken")) == {mix["mine"].number}
    assert numbers(get(dept_head, technician=str(technician.pk))) == {mix["mine"].number}
    assert numbers(get(dept_head, technician="none")) == {
        mix["late"].number,
        mix["appointment"].number,
    }
    assert numbers(get(dept_head, urgency="appointment")) == {mix["appointment"].number}
    assert numbers(get(dept_head, late="on")) == {mix["late"].number}
    assert numbers(get(dept_head, state="taken", technician=str(mix["other"].pk))) == set()


def test_filters_apply_to_the_fragment_too(dept_head, mix, at_t0):
    resp = get(dept_head, LIVE, late="on")
    body = resp.content.decode()
    assert "<html" not in body
    assert mix["late"].number in body
    assert mix["mine"].number not in body


def test_bad_filters_are_ignored(dept_head, mix, at_t0):
    resp = get(dept_head, state="nonsense", technician="abc", month="13-2026")
    assert resp.status_code == 200
    assert len(numbers(resp)) == 4


def test_board_passes_its_filters_to_the_live_fragment(dept_head, mix, at_t0):
    body = get(dept_head, state="taken", late="on").content.decode()
    assert f'data-live-url="{LIVE}"' in body
    assert 'data-live-query="state=taken&amp;late=on"' in body


# --- estates -----------------------------------------------------------------------------


def link(o) -> str:
    return reverse("repairs:detail", args=[o.pk])


def test_another_estates_orders_are_not_shown(clerk, other_clerk, dept_head, at_t0):
    mine = make_order(clerk=clerk)
    theirs = make_order(clerk=other_clerk)
    body = get(dept_head).content.decode()
    assert link(mine) in body
    assert link(theirs) not in body
    # A head cannot switch to another estate with ?estate=: he stays at his own.
    body = get(dept_head, estate=str(other_clerk.staff_profile.estate_id)).content.decode()
    assert link(theirs) not in body and link(mine) in body


def test_general_manager_chooses_the_estate(gm, clerk, other_clerk, ch, jr, at_t0):
    mine = make_order(clerk=clerk)
    theirs = make_order(clerk=other_clerk)
    body = get(gm, estate=str(jr.pk)).content.decode()
    assert link(theirs) in body and link(mine) not in body
    assert 'name="estate"' in body
    body = get(gm, estate=str(ch.pk)).content.decode()
    assert link(mine) in body and link(theirs) not in body
    assert get(gm, estate="999999").status_code == 404
    assert get(gm, estate="x").status_code == 404


# --- on shift ----------------------------------------------------------------------------


def test_on_shift_now(clerk, technician, duty_officer, dept_head, ch, at_t0):
    named(technician, "张", "师傅")
    named(duty_officer, "赵", "强")
    off = named(make_technician("tech_off", ch), "钱", "休息")
    Shift.objects.create(
        estate=ch,
        user=technician,
        starts_at=T0 - dt.timedelta(hours=1),
        ends_at=T0 + dt.timedelta(hours=7),
    )
    Shift.objects.create(
        estate=ch,
        user=duty_officer,
        starts_at=T0 - dt.timedelta(hours=1),
        ends_at=T0 + dt.timedelta(hours=1),
    )
    Shift.objects.create(
        estate=ch,
        user=off,
        starts_at=T0 + dt.timedelta(hours=1),
        ends_at=T0 + dt.timedelta(hours=9),
    )
    body = get(dept_head).content.decode()
    on_shift = body.split('data-testid="on-shift"')[1].split("</span>\n</div>")[0]
    assert "张师傅" in on_shift
    assert "Duty officer (值班员): 赵强" in on_shift
    assert "钱休息" not in on_shift


def test_on_shift_now_in_one_query_as_the_roster_says(
    technician, tech2, duty_officer, tech_jr, jr, ch, at_t0
):
    """The estate's engineering technicians on shift (as services.on_shift has them, by
    id), its duty officers in the roster's order; nobody inactive, of another department,
    or on duty at another estate; each once."""
    from repairs.services import on_shift
    from repairs.views.board import _on_duty

    other_duty = make_staff("duty_jr", Role.DUTY_OFFICER, jr, Department.Kind.SECURITY)
    cleaner = make_staff("cleaner", Role.TECHNICIAN, ch, Department.Kind.CLEANING)
    gone = make_technician("tech_gone", ch)
    gone.is_active = False
    gone.save()
    now = T0
    for user, estate, start in [
        (tech2, ch, 2),
        (technician, ch, 1),
        (technician, ch, 3),  # two shifts covering now: listed once
        (duty_officer, ch, 1),
        (other_duty, jr, 1),
        (tech_jr, jr, 1),
        (cleaner, ch, 1),
        (gone, ch, 1),
    ]:
        Shift.objects.create(
            estate=estate,
            user=user,
            starts_at=now - dt.timedelta(hours=start),
            ends_at=now + dt.timedelta(hours=1),
        )
    with CaptureQueriesContext(connection) as ctx:
        crew = _on_duty(ch, now)
    assert len(ctx.captured_queries) == 1
    engineering = Department.objects.get(estate=ch, kind=Department.Kind.ENGINEERING)
    assert crew["technicians"] == on_shift(engineering.pk, now)
    assert crew["technicians"] == sorted([technician, tech2], key=lambda u: u.pk)
    assert crew["duty_officers"] == [duty_officer]


# --- queries -----------------------------------------------------------------------------


def _make(n, *, clerk, tech):
    states = [Status.REPORTED, Status.DISPATCHED, Status.TAKEN, Status.ARRIVED, Status.FINISHED]
    for i in range(n):
        in_state(states[i % len(states)], clerk=clerk, tech=tech)


def _queries(user, url, **params) -> int:
    c = client_for(user)
    c.get(url, params)  # sessions and caches warmed
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [BOARD, LIVE])
def test_queries_do_not_grow_with_orders(
    clerk, technician, dept_head, url, django_assert_max_num_queries, at_t0
):
    _make(3, clerk=clerk, tech=technician)
    few = _queries(dept_head, url)
    other = make_technician("tech2", clerk.staff_profile.estate)
    _make(27, clerk=clerk, tech=other)
    assert RepairOrder.objects.count() == 30
    many = _queries(dept_head, url)
    assert few == many
    c = client_for(dept_head)
    c.get(url)
    with django_assert_max_num_queries(20):
        c.get(url)


def test_a_state_shows_at_most_per_state_lines(clerk, technician, dept_head, at_t0, monkeypatch):
    from repairs.views import board

    monkeypatch.setattr(board, "PER_STATE", 2)
    _make(6, clerk=clerk, tech=technician)
    resp = get(dept_head)
    reported = next(c for c in resp.context["columns"] if c.status == Status.REPORTED)
    assert (len(reported.lines), reported.total, reported.more) == (2, 2, 0)
    for c in resp.context["columns"]:
        assert len(c.lines) <= 2
    _make(5, clerk=clerk, tech=technician)
    resp = get(dept_head)
    reported = next(c for c in resp.context["columns"] if c.status == Status.REPORTED)
    assert (len(reported.lines), reported.total, reported.more) == (2, 3, 1)
    assert "and 1 more" in resp.content.decode()


def test_a_capped_state_shows_its_nearest_deadlines_and_the_latest_closed(
    clerk, technician, dept_head, monkeypatch
):
    """Each state's first lines are its nearest deadlines in order; those closed today,
    the latest closed first; the same under a filter."""
    from repairs.views import board

    monkeypatch.setattr(board, "PER_STATE", 2)
    dispatched, closed = [], []
    for minutes in (40, 30, 20, 10):
        with time_machine.travel(T0 - dt.timedelta(minutes=minutes), tick=False):
            dispatched.append(in_state(Status.DISPATCHED, clerk=clerk, tech=technician))
    for hours in (3, 2, 1):
        with time_machine.travel(T0 - dt.timedelta(hours=hours), tick=False):
            closed.append(in_state(Status.CLOSED, clerk=clerk, tech=technician))
    with time_machine.travel(T0, tick=False):
        for params in ({}, {"technician": str(technician.pk)}):
            resp = get(dept_head, **params)
            columns = {c.status: c for c in resp.context["columns"]}
            shown = [line["pk"] for line in columns[Status.DISPATCHED].lines]
            assert shown == [dispatched[0].pk, dispatched[1].pk], params
            assert columns[Status.DISPATCHED].total == 4
            assert [line["pk"] for line in columns[Status.CLOSED].lines] == [
                closed[2].pk,
                closed[1].pk,
            ]
            assert columns[Status.CLOSED].total == 3


# --- figures on the board -----------------------------------------------------------------


def test_figures_section_with_targets(clerk, technician, dept_head, at_t0):
    in_state(Status.CLOSED, clerk=clerk, tech=technician)
    body = get(dept_head).content.decode()
    figures = body.split('data-testid="board-figures"')[1]
    assert "Figures of 2026-11" in figures
    assert "target 100 %" in figures
    assert "target ≤ 1 %" in figures
    assert 'data-testid="figures-technician"' in figures
    body = get(dept_head, month="2026-10").content.decode()
    assert "Figures of 2026-10" in body
    assert "No orders this month." in body


# --- in a browser: the phone, the wide screen, the live refresh ---------------------------

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots")  # noqa: S108 - outside the repo, for a person to look at
WIDE = {"width": 1280, "height": 900}


def _log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_board_in_a_browser_stacks_on_a_phone_and_refreshes_itself(
    page, live_server, clerk, technician, dept_head, password
):
    from playwright.sync_api import expect

    first = in_state(Status.TAKEN, clerk=clerk, tech=technician)
    make_order(clerk=clerk)
    page.clock.install()
    page.set_viewport_size(PHONE)
    _log_in(page, live_server, dept_head.username, password)
    page.goto(f"{live_server.url}{BOARD}")
    expect(page.get_by_test_id("board-live")).to_contain_text(first.number)
    lefts = {round(b["x"]) for b in _boxes(page)}
    assert len(lefts) == 1, lefts  # one column under the other
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "repair-board-390.png"), full_page=True)

    # No full reload: a mark left on the window survives the refresh.
    page.evaluate("window.boardMark = 1")
    later = make_order(clerk=clerk, unit=None, location="地下车库B2层")
    expect(page.get_by_test_id("board-live")).not_to_contain_text(later.number)
    page.clock.fast_forward("00:31")
    expect(page.get_by_test_id("board-live")).to_contain_text(later.number)
    assert page.evaluate("window.boardMark") == 1

    page.set_viewport_size(WIDE)
    lefts = {round(b["x"]) for b in _boxes(page)}
    assert len(lefts) == 7  # the states side by side
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    page.screenshot(path=str(SHOTS / "repair-board-1280.png"), full_page=True)

    # The roster, on the phone: the list and the form one under the other.
    Shift.objects.create(
        estate=clerk.staff_profile.estate,
        user=technician,
        starts_at=dt.datetime.now(SH) + dt.timedelta(hours=1),
        ends_at=dt.datetime.now(SH) + dt.timedelta(hours=9),
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{reverse('repairs:roster')}")
    expect(page.get_by_test_id("shift-row")).to_have_count(1)
    expect(page.get_by_test_id("shift-form")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "repair-roster-390.png"), full_page=True)


def _boxes(page) -> list[dict]:
    return [
        box
        for el in page.get_by_test_id("board-column").all()
        if (box := el.bounding_box()) is not None
    ]


def test_the_crew_cells_written_in_python_are_the_templates():
    """A crew row's cells are written in Python (CrewRow.cells_html): the markup the
    template drew, zeros muted and the late count red when any."""
    from django.template import engines

    from repairs.views.board import CrewRow

    old = engines["django"].from_string(
        '{% for n in row.cells %}<td class="text-end{% if not n %} text-muted{% endif %}">'
        "{{ n }}</td>{% endfor %}"
        '<td class="text-end{% if row.late %} text-danger fw-semibold{% else %} text-muted'
        '{% endif %}">{{ row.late }}</td>'
    )
    for row in (
        CrewRow(1, "张", {Status.TAKEN: 2, Status.ARRIVED: 1234}, late=1),
        CrewRow(None, "—", {}, late=0),
    ):
        assert str(row.cells_html) == old.render({"row": row})
