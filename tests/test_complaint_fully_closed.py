"""A complaint is fully closed only when its callback is done, recorded as not needed
(anonymous, out of scope) or the resident was unreachable (SPEC §6); the complaint list
filters on it: fully closed, or closed with the callback pending."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from callbacks import receivers, services
from callbacks.models import Callback
from complaints import selectors
from complaints.models import Complaint
from complaints.signals import complaint_closed
from tests.factories.complaints import advance, make_complaint

FULLY, PENDING = selectors.FULLY_CLOSED, selectors.CALLBACK_PENDING


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def closed(clerk, head, **fields) -> Complaint:
    return advance(make_complaint(clerk=clerk, **fields), to="closed", clerk=clerk, head=head)


def record(clerk, c: Complaint, **kw) -> None:
    cb = Callback.objects.get(complaint=c, status="due")
    services.callback_record(actor=clerk, callback_id=cb.pk, method="phone", **kw)


def listed(user, which: str) -> set[int]:
    return {c.pk for c in selectors.complaint_list(user, filters={"callback": which})}


@contextmanager
def without_callbacks():
    """Complaints closed before the callbacks app existed: no callback row at all."""
    complaint_closed.disconnect(dispatch_uid="callbacks.complaint")
    try:
        yield
    finally:
        complaint_closed.connect(receivers.complaint_closed, dispatch_uid="callbacks.complaint")


@pytest.fixture
def cases(clerk, dept_head, settings):
    settings.CALLBACK_MAX_TRIES = 1
    c = {}
    c["waiting"] = closed(clerk, dept_head)
    c["done"] = closed(clerk, dept_head)
    record(clerk, c["done"], reached=True, satisfaction="satisfied")
    c["unreachable"] = closed(clerk, dept_head)
    record(clerk, c["unreachable"], reached=False)
    c["anonymous"] = closed(clerk, dept_head, anonymous=True, resident_name="", resident_phone="")
    c["open"] = advance(make_complaint(clerk=clerk), to="handled", clerk=clerk, head=dept_head)
    # Not satisfied: reopened (not closed at all), then closed again with a new callback
    # waiting beside the done one.
    c["reopened"] = closed(clerk, dept_head)
    record(clerk, c["reopened"], reached=True, satisfaction="not_satisfied", words="还漏")
    c["closed_again"] = closed(clerk, dept_head)
    record(clerk, c["closed_again"], reached=True, satisfaction="not_satisfied", words="还漏")
    advance(c["closed_again"], to="closed", clerk=clerk, head=dept_head)
    with without_callbacks():
        c["no_callback"] = closed(clerk, dept_head)
    for x in c.values():
        x.refresh_from_db()
    return c


def test_the_cases_are_what_they_say(cases):
    statuses = {
        k: sorted(Callback.objects.filter(complaint=c).values_list("status", flat=True))
        for k, c in cases.items()
    }
    assert statuses == {
        "waiting": ["due"],
        "done": ["done"],
        "unreachable": ["unreachable"],
        "anonymous": ["not_needed"],
        "open": [],
        "reopened": ["done"],
        "closed_again": ["done", "due"],
        "no_callback": [],
    }
    assert cases["reopened"].status == "reopened" and cases["closed_again"].status == "closed"


def test_fully_closed_only_when_the_callback_is_settled(cases, supervisor):
    ids = {k: c.pk for k, c in cases.items()}
    assert listed(supervisor, FULLY) == {ids["done"], ids["unreachable"], ids["anonymous"]}


def test_closed_with_the_callback_pending(cases, supervisor):
    ids = {k: c.pk for k, c in cases.items()}
    assert listed(supervisor, PENDING) == {ids["waiting"], ids["closed_again"], ids["no_callback"]}


def test_the_two_split_the_closed_complaints(cases, supervisor):
    closed_ids = set(Complaint.objects.filter(status="closed").values_list("pk", flat=True))
    fully, pending = listed(supervisor, FULLY), listed(supervisor, PENDING)
    assert fully | pending == closed_ids and not fully & pending


def test_recording_the_callback_moves_the_complaint(clerk, dept_head, supervisor):
    c = closed(clerk, dept_head)
    assert listed(supervisor, PENDING) == {c.pk} and listed(supervisor, FULLY) == set()
    record(clerk, c, reached=True, satisfaction="basic")
    assert listed(supervisor, FULLY) == {c.pk} and listed(supervisor, PENDING) == set()


def test_a_public_letter_fully_closes(clerk, dept_head, supervisor):
    a, b = closed(clerk, dept_head), closed(clerk, dept_head)
    services.letter_write(
        actor=clerk,
        estate_id=a.estate_id,
        title="关于漏水的说明",
        body="各位住户：……",
        callback_ids=list(Callback.objects.values_list("pk", flat=True)),
    )
    assert listed(supervisor, FULLY) == {a.pk, b.pk}


def test_other_filters_and_the_estate_scope_still_apply(cases, supervisor, other_clerk, jr):
    from staff.models import Department
    from staff.roles import Role
    from tests.factories.staff import make_staff

    head_jr = make_staff("head_jr", Role.DEPARTMENT_HEAD, jr, Department.Kind.ENGINEERING)
    theirs = closed(other_clerk, head_jr)
    assert theirs.pk not in listed(supervisor, PENDING)
    rows = selectors.complaint_list(
        supervisor, filters={"callback": FULLY, "grade": "major", "category": "engineering"}
    )
    assert list(rows) == []


def test_the_list_page_filters(cases, supervisor, django_assert_max_num_queries):
    client = Client()
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("complaints:list")
    page = client.get(url)
    assert "Closed, callback pending" in page.content.decode()
    assert "Fully closed (callback done)" in page.content.decode()
    with django_assert_max_num_queries(14):
        page = client.get(url, {"callback": FULLY})
    html = page.content.decode()
    shown = {c.number for c in page.context["complaints"]}
    assert shown == {cases[k].number for k in ("done", "unreachable", "anonymous")}
    assert cases["waiting"].number not in html
    page = client.get(url, {"callback": PENDING})
    shown = {c.number for c in page.context["complaints"]}
    assert shown == {cases[k].number for k in ("waiting", "closed_again", "no_callback")}


def test_an_unknown_choice_is_ignored(cases, supervisor):
    client = Client()
    client.force_login(supervisor)
    page = client.get(reverse("complaints:list"), {"callback": "nonsense"})
    assert page.status_code == 200
    assert len(page.context["complaints"]) == len(cases)


def test_the_list_filters_by_the_local_days_received(client, clerk, supervisor):
    """The monthly report's counts link here with the month's first and last day."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    from tests.factories.complaints import make_complaint

    sh = ZoneInfo("Asia/Shanghai")
    made = {}
    for name, moment in {
        "october": dt.datetime(2026, 10, 31, 23, 59, tzinfo=sh),
        "first": dt.datetime(2026, 11, 1, 0, 0, tzinfo=sh),
        "last": dt.datetime(2026, 11, 30, 23, 59, tzinfo=sh),
        "december": dt.datetime(2026, 12, 1, 0, 0, tzinfo=sh),
    }.items():
        with time_machine.travel(moment, tick=False):
            made[name] = make_complaint(clerk=clerk).number
    client.force_login(supervisor)
    page = client.get(
        reverse("complaints:list"), {"received_from": "2026-11-01", "received_to": "2026-11-30"}
    )
    shown = {c.number for c in page.context["complaints"]}
    assert shown == {made["first"], made["last"]}
