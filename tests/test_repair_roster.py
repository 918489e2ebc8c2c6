"""The shift roster (排班表): who reads and who edits it, adding a shift (from, until,
who, overlaps) with clear messages, deleting a future one, another estate's shift 404,
and who the board shows on shift now."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from repairs.models import Shift
from repairs.services import on_shift
from staff.models import Department
from staff.roles import Role
from tests.factories.repairs import make_technician
from tests.factories.staff import make_staff

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)
ROSTER = reverse("repairs:roster")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def at_t0():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def hours(h: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


def local(t: dt.datetime) -> str:
    return t.astimezone(SH).strftime("%Y-%m-%dT%H:%M")


def add(user, who, start: dt.datetime, end: dt.datetime, url=ROSTER):
    return client_for(user).post(
        url,
        {"action": "add", "user": str(who.pk), "starts_at": local(start), "ends_at": local(end)},
    )


def shift(estate, who, start_h: float, end_h: float) -> Shift:
    return Shift.objects.create(
        estate=estate, user=who, starts_at=hours(start_h), ends_at=hours(end_h)
    )


# --- who reads, who edits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "reads", "edits"),
    [
        ("dept_head", 200, True),
        ("supervisor", 200, True),
        ("manager", 200, True),
        ("clerk", 200, False),
        ("duty_officer", 200, False),
        ("director", 200, False),
        ("gm", 200, False),
        ("technician", 403, False),
        ("no_role", 403, False),
    ],
)
def test_who_reads_and_edits(user_of, role, reads, edits, technician, ch):
    user = user_of(role)
    resp = client_for(user).get(ROSTER)
    assert resp.status_code == reads
    if reads == 200:
        assert ('data-testid="shift-form"' in resp.content.decode()) == edits
    resp = add(user, technician, hours(1), hours(9))
    if edits:
        assert resp.status_code == 302
        assert Shift.objects.filter(user=technician).count() == 1
    else:
        assert resp.status_code == 403
        assert not Shift.objects.exists()


def test_a_clerk_cannot_delete(clerk, technician, ch):
    s = shift(ch, technician, 1, 9)
    resp = client_for(clerk).post(ROSTER, {"action": "delete", "shift": str(s.pk)})
    assert resp.status_code == 403
    assert Shift.objects.filter(pk=s.pk).exists()


def test_another_estates_head_cannot_edit_this_one(technician, jr, ch):
    head_jr = make_staff("eng_head_jr", Role.DEPARTMENT_HEAD, jr, Department.Kind.ENGINEERING)
    resp = add(head_jr, technician, hours(1), hours(9))
    # He edits his own estate's roster, where this technician is not staff.
    assert resp.status_code == 400
    assert "Choose a technician or duty officer of this estate." in resp.content.decode()
    assert not Shift.objects.exists()


def test_a_cleaning_head_does_not_edit(ch, technician):
    head = make_staff("clean_head", Role.DEPARTMENT_HEAD, ch, Department.Kind.CLEANING)
    assert client_for(head).get(ROSTER).status_code == 403


# --- adding ------------------------------------------------------------------------------


def test_add_a_shift(dept_head, technician, duty_officer, ch):
    resp = add(dept_head, technician, hours(1), hours(9))
    assert resp.status_code == 302 and resp.url == ROSTER
    s = Shift.objects.get()
    assert (s.estate, s.user, s.starts_at, s.ends_at) == (ch, technician, hours(1), hours(9))
    c = client_for(dept_head)
    resp = c.post(
        ROSTER,
        {
            "action": "add",
            "user": str(duty_officer.pk),
            "starts_at": local(hours(-2)),
            "ends_at": local(hours(6)),
        },
        follow=True,
    )
    body = resp.content.decode()
    assert "The shift of 王测试 was added." in body
    assert body.count('data-testid="shift-row"') == 2
    assert "on duty now" in body  # the duty officer's shift has started


def test_until_must_be_after_from(dept_head, technician):
    for end in (hours(1), hours(0.5)):
        resp = add(dept_head, technician, hours(1), end)
        assert resp.status_code == 400
        assert "&#x27;Until&#x27; must be after &#x27;from&#x27;." in resp.content.decode()
    assert not Shift.objects.exists()


def test_a_shift_already_over(dept_head, technician):
    resp = add(dept_head, technician, hours(-9), hours(-1))
    assert resp.status_code == 400
    assert "This shift is over already" in resp.content.decode()


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (2, 10, True),  # inside-out
        (0, 2, True),  # over the start
        (8, 12, True),  # over the end
        (3, 5, True),  # inside
        (9, 12, False),  # starts when the other ends
        (-2, 1, False),  # ends when the other starts
    ],
)
def test_no_overlapping_shifts_of_one_person(dept_head, technician, ch, start, end, overlaps):
    shift(ch, technician, 1, 9)
    resp = add(dept_head, technician, hours(start), hours(end))
    if overlaps:
        assert resp.status_code == 400
        body = resp.content.decode()
        assert "is on duty already from 11-23 11:00 until 11-23 19:00" in body
        assert "shifts may not overlap" in body
        assert Shift.objects.count() == 1
    else:
        assert resp.status_code == 302
        assert Shift.objects.count() == 2


def test_two_people_may_be_on_duty_at_once(dept_head, technician, ch):
    shift(ch, technician, 1, 9)
    other = make_technician("tech2", ch)
    assert add(dept_head, other, hours(1), hours(9)).status_code == 302


@pytest.mark.parametrize("who", ["clerk", "other_tech", "cleaning_head", "someone"])
def test_only_technicians_and_duty_officers_of_this_estate(dept_head, clerk, jr, ch, who):
    person = {
        "clerk": lambda: clerk,
        "other_tech": lambda: make_technician("tech_jr", jr),
        "cleaning_head": lambda: make_staff(
            "clean_head", Role.DEPARTMENT_HEAD, ch, Department.Kind.CLEANING
        ),
        "someone": lambda: make_staff("nobody", Role.TECHNICIAN, None),
    }[who]()
    resp = add(dept_head, person, hours(1), hours(9))
    assert resp.status_code == 400
    assert "Choose a technician or duty officer of this estate." in resp.content.decode()
    assert not Shift.objects.exists()


def test_an_inactive_technician_is_not_offered(dept_head, technician):
    technician.is_active = False
    technician.save(update_fields=["is_active"])
    assert add(dept_head, technician, hours(1), hours(9)).status_code == 400


def test_missing_fields(dept_head):
    resp = client_for(dept_head).post(ROSTER, {"action": "add"})
    assert resp.status_code == 400
    assert "This field is required." in resp.content.decode()


# --- deleting ----------------------------------------------------------------------------


def test_delete_a_future_shift(dept_head, technician, ch):
    s = shift(ch, technician, 1, 9)
    resp = client_for(dept_head).post(ROSTER, {"action": "delete", "shift": str(s.pk)})
    assert resp.status_code == 302
    assert not Shift.objects.exists()


def test_a_started_shift_is_not_deleted(supervisor, technician, ch):
    s = shift(ch, technician, -1, 7)
    c = client_for(supervisor)
    resp = c.post(ROSTER, {"action": "delete", "shift": str(s.pk)}, follow=True)
    assert "Only a shift that has not started yet can be deleted." in resp.content.decode()
    assert Shift.objects.filter(pk=s.pk).exists()
    # Nor offered: the row has no delete button.
    assert 'data-testid="shift-delete"' not in c.get(ROSTER).content.decode()


def test_another_estates_shift_is_404(dept_head, jr):
    theirs = shift(jr, make_technician("tech_jr", jr), 1, 9)
    c = client_for(dept_head)
    assert c.post(ROSTER, {"action": "delete", "shift": str(theirs.pk)}).status_code == 404
    assert c.post(ROSTER, {"action": "delete", "shift": "abc"}).status_code == 404
    assert c.post(ROSTER, {"action": "delete", "shift": "999999"}).status_code == 404
    assert Shift.objects.filter(pk=theirs.pk).exists()


# --- the list ----------------------------------------------------------------------------


def test_the_next_seven_days(dept_head, technician, ch, jr):
    now_on = shift(ch, technician, -2, 6)
    later = shift(ch, technician, 6 * 24, 6 * 24 + 8)
    too_late = shift(ch, technician, 7 * 24 + 1, 7 * 24 + 9)
    over = shift(ch, technician, -12, -4)
    theirs = shift(jr, make_technician("tech_jr", jr), 1, 9)
    resp = client_for(dept_head).get(ROSTER)
    assert [s.pk for s in resp.context["shifts"]] == [now_on.pk, later.pk]
    assert {too_late.pk, over.pk, theirs.pk}.isdisjoint(s.pk for s in resp.context["shifts"])


def test_list_queries_do_not_grow(dept_head, ch, django_assert_max_num_queries):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        c = client_for(dept_head)
        c.get(ROSTER)
        with CaptureQueriesContext(connection) as ctx:
            c.get(ROSTER)
        return len(ctx.captured_queries)

    shift(ch, make_technician("t0", ch), 1, 9)
    few = count()
    for i in range(1, 10):
        shift(ch, make_technician(f"t{i}", ch), i, i + 8)
    assert count() == few
    c = client_for(dept_head)
    with django_assert_max_num_queries(15):
        c.get(ROSTER)


def test_general_manager_chooses_the_estate(gm, jr, ch):
    theirs = shift(jr, make_technician("tech_jr", jr), 1, 9)
    c = client_for(gm)
    resp = c.get(ROSTER, {"estate": str(jr.pk)})
    assert [s.pk for s in resp.context["shifts"]] == [theirs.pk]
    assert resp.context["estate"] == jr
    assert c.get(ROSTER, {"estate": "999999"}).status_code == 404


# --- on shift ----------------------------------------------------------------------------


def test_on_shift_follows_the_roster(dept_head, technician, ch):
    eng = dept_head.staff_profile.department
    assert add(dept_head, technician, hours(1), hours(9)).status_code == 302
    assert on_shift(eng.pk, T0) == []
    assert on_shift(eng.pk, hours(1)) == [technician]
    assert on_shift(eng.pk, hours(9)) == []
