"""The desk's callback screens (回访): the list of callbacks due (oldest deadline first,
overdue marked, filtered, a constant number of queries), one callback's page and form
for each outcome, the public letter (公开信) and its print, the callback on the
complaint's and the repair order's pages, and who may open what."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, ImageDraw

from callbacks.models import Callback, CallbackEvent, EventKind, PublicLetter, Status
from complaints.models import Complaint
from complaints.models import Status as ComplaintStatus
from repairs.models import RepairOrder
from repairs.models import Status as RepairStatus
from staff.models import Department
from staff.roles import Role
from tests.factories.complaints import advance, make_complaint
from tests.factories.repairs import advance as advance_order
from tests.factories.repairs import make_order
from tests.factories.staff import make_staff

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
LIST = reverse("callbacks:list")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def closed(clerk, head, **fields) -> Complaint:
    return advance(make_complaint(clerk=clerk, **fields), to="closed", clerk=clerk, head=head)


def finished(clerk, technician, **fields) -> RepairOrder:
    o = make_order(clerk=clerk, **fields)
    return advance_order(o, to=RepairStatus.FINISHED, clerk=clerk, technician=technician)


def callback_of(case) -> Callback:
    if isinstance(case, Complaint):
        return Callback.objects.filter(complaint=case).latest("pk")
    return Callback.objects.filter(repair_order=case).latest("pk")


def drawn_signature() -> str:
    img = Image.new("RGB", (600, 240), "white")
    ImageDraw.Draw(img).line([(40, 200), (300, 40), (560, 180)], fill="black", width=6)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def rows(html: str) -> list[int]:
    """The callbacks of the list, in their order."""
    return [int(pk) for pk in re.findall(r'data-testid="callback-row" data-callback="(\d+)"', html)]


# A callback answered by phone, satisfied with everything.
ALL_SATISFIED = {
    "method": "phone",
    "reached": "yes",
    "satisfaction": "satisfied",
    "attitude": "satisfied",
    "speed": "satisfied",
    "quality": "satisfied",
}


def save(client, cb: Callback, **data):
    return client.post(reverse("callbacks:save", args=[cb.pk]), data)


def snapshot(cb: Callback) -> tuple:
    """What a refused form must leave as it was."""
    cb = Callback.objects.get(pk=cb.pk)
    return (
        cb.status,
        cb.tries,
        cb.method,
        cb.satisfaction,
        cb.words,
        cb.done_at,
        CallbackEvent.objects.filter(callback=cb).count(),
    )


# --- the list -------------------------------------------------------------------------


def test_the_list_is_oldest_deadline_first_with_the_overdue_marked(
    client, clerk, dept_head, technician
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=TZ), tick=False):
        first = closed(clerk, dept_head, resident_name="李四", resident_phone="139 0000 1111")
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, tzinfo=TZ), tick=False):
        order = finished(clerk, technician)
        second = closed(clerk, dept_head)
        done = closed(clerk, dept_head)
    cb_first, cb_order, cb_second, cb_done = map(callback_of, (first, order, second, done))
    with time_machine.travel(dt.datetime(2026, 3, 4, 11, tzinfo=TZ), tick=False):
        save(english(client, clerk), cb_done, method="phone", reached="yes", satisfaction="basic")
    later = dt.datetime(2026, 3, 6, 12, tzinfo=TZ)
    assert cb_first.callback_due < later < cb_second.callback_due  # the setting is right
    with time_machine.travel(later, tick=False):
        response = english(client, clerk).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    # The repair is called back the week after its hand-in Friday: last.
    assert rows(html) == [cb_first.pk, cb_second.pk, cb_order.pk]  # the done one is off
    first_row = html[html.index(f'data-callback="{cb_first.pk}"') :]
    first_row = first_row[: first_row.index("</tr>")]
    assert 'data-testid="overdue"' in first_row and 'data-state="overdue"' in first_row
    assert html.count('data-testid="overdue"') == 1
    assert 'data-testid="overdue-count"' in html
    # The case linked, the unit, the resident masked with the reveal (a tel: link once
    # revealed, staff.privacy), the department, the tries.
    assert reverse("complaints:detail", args=[first.pk]) in first_row
    assert first.number in first_row and "李*" in first_row and "李四" not in first_row
    assert 'data-testid="reveal"' in first_row and "139 0000 1111" not in first_row
    assert dept_head.staff_profile.department.name in first_row
    assert reverse("callbacks:record", args=[cb_first.pk]) in first_row
    assert order.unit.label in html and reverse("repairs:detail", args=[order.pk]) in html


def test_the_rows_write_the_contact_as_the_template_does(rf, clerk, dept_head, director):
    """callbacks.rows writes the resident's contact in Python: the same markup as
    ``{% contact case nested=True %}``, masked, the reveal only where allowed, escaped."""
    from django.template import Context, Template

    from callbacks.rows import contact_nested

    named = closed(clerk, dept_head, resident_name="<b>李四</b>", resident_phone="139 0000 1111")
    nobody = closed(clerk, dept_head, anonymous=True, resident_name="", resident_phone="")
    tag = Template("{% load staff_tags %}{% contact case nested=True %}")
    seen = set()
    for user in (clerk, director, dept_head):
        request = rf.get(LIST)
        request.user = user
        for case in (named, nobody):
            expected = tag.render(Context({"request": request, "case": case}))
            assert contact_nested(user, case) == expected.strip()
            seen.add('data-testid="reveal"' in expected)
    assert seen == {True, False}  # both kinds of user are compared
    assert "<b>" not in contact_nested(clerk, named)


def test_another_estates_callbacks_are_not_on_the_list(client, clerk, dept_head, other_clerk):
    mine = callback_of(closed(clerk, dept_head))
    head_jr = make_staff(
        "head_jr",
        Role.DEPARTMENT_HEAD,
        other_clerk.staff_profile.estate,
        Department.Kind.ENGINEERING,
    )
    theirs = callback_of(closed(other_clerk, head_jr))
    assert rows(english(client, clerk).get(LIST).content.decode()) == [mine.pk]
    assert rows(english(client, other_clerk).get(LIST).content.decode()) == [theirs.pk]


def test_the_list_filters_by_kind_and_by_hand_in_week(client, clerk, dept_head, technician):
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, tzinfo=TZ), tick=False):
        early = finished(clerk, technician)
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=TZ), tick=False):
        late = finished(clerk, technician)
        done = finished(clerk, technician)
        complaint = closed(clerk, dept_head)
    cb_early, cb_late, cb_done, cb_complaint = map(callback_of, (early, late, done, complaint))
    assert (cb_early.week_of, cb_late.week_of) == (dt.date(2026, 3, 6), dt.date(2026, 3, 13))
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, tzinfo=TZ), tick=False):
        c = english(client, clerk)
        save(c, cb_done, **ALL_SATISFIED)
        assert set(rows(c.get(LIST, {"kind": "repair"}).content.decode())) == {
            cb_early.pk,
            cb_late.pk,
        }
        assert rows(c.get(LIST, {"kind": "complaint"}).content.decode()) == [cb_complaint.pk]
        week = c.get(LIST, {"kind": "repair", "week": "2026-03-13"}).content.decode()
        assert rows(week) == [cb_late.pk]
        assert 'data-testid="week-filter"' in week
        # A nonsense filter is no filter.
        assert len(rows(c.get(LIST, {"kind": "nonsense"}).content.decode())) == 3
        html = c.get(LIST).content.decode()
    # Per hand-in week: done and still due (003 §5.7).
    late_row = html[html.index('data-week="2026-03-13"') :]
    late_row = late_row[: late_row.index("</tr>")]
    assert re.search(r'data-testid="week-done">1<', late_row)
    assert re.search(r'data-testid="week-due">1<', late_row)
    early_row = html[html.index('data-week="2026-03-06"') :]
    early_row = early_row[: early_row.index("</tr>")]
    assert re.search(r'data-testid="week-done">0<', early_row)
    assert re.search(r'data-testid="week-due">1<', early_row)


def test_the_due_summary_counts_what_each_filter_lists(client, clerk, dept_head, technician):
    """The list's "N to call back" comes from the counts the database keeps; it agrees
    with the rows of every filter, and with what is overdue, as callbacks are done."""
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, tzinfo=TZ), tick=False):
        finished(clerk, technician)
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=TZ), tick=False):
        finished(clerk, technician)
        done = callback_of(finished(clerk, technician))
        closed(clerk, dept_head)
        closed(clerk, dept_head)

    def summary(c, **params) -> tuple[int, int, int]:
        html = c.get(LIST, params).content.decode()
        text = html[html.index('data-testid="due-summary"') :]
        text = text[: text.index("</span>\n")]
        numbers = [int(n) for n in re.findall(r"(\d+) (?:to call back|overdue)", text)]
        due, overdue = numbers[0], (numbers[1] if len(numbers) > 1 else 0)
        return due, overdue, len(rows(html))

    filters = [
        {},
        {"kind": "repair"},
        {"kind": "complaint"},
        {"kind": "repair", "week": "2026-03-13"},
        {"week": "2026-03-13"},
        {"kind": "complaint", "week": "2026-03-13"},
    ]
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, tzinfo=TZ), tick=False):
        c = english(client, clerk)
        before = [summary(c, **f) for f in filters]
        assert [(due, listed) for due, _overdue, listed in before] == [
            (5, 5),
            (3, 3),
            (2, 2),
            (2, 2),
            (2, 2),
            (0, 0),
        ]
        save(c, done, **ALL_SATISFIED)
        after = [summary(c, **f) for f in filters]
        assert [due for due, _o, _l in after] == [4, 2, 2, 1, 1, 0]
        assert all(due == listed for due, _o, listed in after)
    with time_machine.travel(dt.datetime(2026, 5, 1, 10, tzinfo=TZ), tick=False):
        late = [summary(english(client, clerk), **f) for f in filters]
        assert [overdue for _d, overdue, _l in late] == [due for due, _o, _l in after]


def test_the_list_reads_a_constant_number_of_queries(
    client, clerk, dept_head, technician, django_assert_max_num_queries
):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    english(client, clerk)
    for _ in range(2):
        closed(clerk, dept_head)
    finished(clerk, technician)
    assert len(rows(client.get(LIST).content.decode())) == 3
    few = count()
    for _ in range(20):
        closed(clerk, dept_head)
    for _ in range(7):
        finished(clerk, technician)
    assert len(rows(client.get(LIST).content.decode())) == 30
    assert count() == few
    with django_assert_max_num_queries(16):
        client.get(LIST)


def test_the_list_pages_at_fifty(client, clerk, dept_head, monkeypatch):
    from callbacks import views

    assert views.PAGE_SIZE == 50
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    made = [callback_of(closed(clerk, dept_head)) for _ in range(4)]
    c = english(client, clerk)
    page1 = c.get(LIST).content.decode()
    page2 = c.get(LIST, {"page": 2}).content.decode()
    assert rows(page1) == [cb.pk for cb in made[:3]] and rows(page2) == [made[3].pk]
    assert "page=2" in page1 and "page=3" not in page2
    assert rows(c.get(LIST, {"page": "x"}).content.decode()) == rows(page1)


def test_a_manager_without_an_estate_picks_one(client, gm, clerk, dept_head, jr):
    cb = callback_of(closed(clerk, dept_head))
    c = english(client, gm)
    html = c.get(LIST, {"estate": cb.estate_id}).content.decode()
    assert rows(html) == [cb.pk] and 'id="callback-estate"' in html
    assert rows(c.get(LIST, {"estate": jr.pk}).content.decode()) == []
    assert c.get(LIST, {"estate": "x"}).status_code == 404
    assert c.get(LIST, {"estate": "999999"}).status_code == 404
    # Reading is not calling back: no boxes to tick, no form.
    assert 'name="ids"' not in html
    assert c.get(reverse("callbacks:record", args=[cb.pk])).status_code == 200
    assert (
        'data-testid="record-form"'
        not in c.get(reverse("callbacks:record", args=[cb.pk])).content.decode()
    )


# --- who may open what ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["dept_head", "technician", "no_role"])
def test_others_get_403(client, user_of, role, clerk, dept_head):
    cb = callback_of(closed(clerk, dept_head))
    c = english(client, user_of(role))
    assert c.get(LIST).status_code == 403
    assert c.get(reverse("callbacks:record", args=[cb.pk])).status_code == 403
    assert save(c, cb, method="phone", reached="yes", satisfaction="satisfied").status_code == 403
    assert c.get(reverse("callbacks:letter_new")).status_code == 403
    assert Callback.objects.get(pk=cb.pk).status == Status.DUE


@pytest.mark.parametrize("role", ["supervisor", "director"])
def test_the_estates_managers_read_the_list(client, user_of, role, clerk, dept_head):
    cb = callback_of(closed(clerk, dept_head))
    c = english(client, user_of(role))
    assert rows(c.get(LIST).content.decode()) == [cb.pk]


def test_the_director_reads_but_does_not_record(client, director, clerk, dept_head):
    cb = callback_of(closed(clerk, dept_head))
    c = english(client, director)
    page = c.get(reverse("callbacks:record", args=[cb.pk])).content.decode()
    assert 'data-testid="record-form"' not in page and 'data-testid="callback-result"' in page
    assert save(c, cb, method="phone", reached="yes", satisfaction="satisfied").status_code == 403
    assert Callback.objects.get(pk=cb.pk).status == Status.DUE


def test_another_estates_callback_by_url_is_404(client, clerk, dept_head, other_clerk):
    cb = callback_of(closed(clerk, dept_head))
    c = english(client, other_clerk)
    assert c.get(reverse("callbacks:record", args=[cb.pk])).status_code == 404
    before = snapshot(cb)
    r = save(c, cb, method="phone", reached="yes", satisfaction="satisfied")
    assert r.status_code == 404 and snapshot(cb) == before
    assert c.get(reverse("callbacks:letter_new"), {"ids": [cb.pk]}).status_code == 404


def test_a_callback_opens_for_every_estates_manager_and_its_own_desk_only(
    client, clerk, dept_head, gm, other_clerk
):
    """The callback's page reads through a statement compiled for each kind of reader
    (every estate, one estate): the same answer as the scoping queryset."""
    from callbacks.views import callbacks_for

    cb = callback_of(closed(clerk, dept_head))
    for person, status in ((gm, 200), (clerk, 200), (other_clerk, 404)):
        c = english(client, person)
        assert c.get(reverse("callbacks:record", args=[cb.pk])).status_code == status
        assert callbacks_for(person).filter(pk=cb.pk).exists() is (status == 200)
    assert english(client, clerk).get(f"/callbacks/{2**63}/").status_code == 404


# --- one callback ---------------------------------------------------------------------


def test_the_page_shows_the_case_and_one_click_starts_the_form(client, clerk, dept_head):
    c_ = closed(clerk, dept_head, description="电梯异响", resident_phone="13812345678")
    cb = callback_of(c_)
    html = english(client, clerk).get(reverse("callbacks:record", args=[cb.pk])).content.decode()
    assert "电梯异响" in html and "已更换水管" in html  # what was complained, what was done
    assert "138****5678" in html and 'data-testid="reveal"' in html  # staff.privacy
    assert 'data-testid="record-form"' in html
    assert f'action="{reverse("callbacks:save", args=[cb.pk])}"' in html
    # A complaint is asked its satisfaction only; a repair also the three ratings.
    assert 'name="satisfaction"' in html and 'name="quality"' not in html
    assert "data-signature-pad" in html and 'name="signature"' in html
    assert "js/signature.js" in html and "js/callback.js" in html


def test_satisfied_by_phone(client, clerk, dept_head):
    complaint = closed(clerk, dept_head)
    cb = callback_of(complaint)
    c = english(client, clerk)
    r = save(c, cb, method="phone", reached="yes", satisfaction="satisfied", words="很满意")
    assert r.status_code == 302 and r["Location"] == LIST
    cb.refresh_from_db()
    assert (cb.status, cb.method, cb.satisfaction, cb.words, cb.done_by) == (
        Status.DONE,
        "phone",
        "satisfied",
        "很满意",
        clerk,
    )
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.CLOSED
    page = c.get(LIST).content.decode()
    assert f"Callback of {complaint.number} recorded: Satisfied" in page
    # Recorded: its page shows the result, read only.
    html = c.get(reverse("callbacks:record", args=[cb.pk])).content.decode()
    assert 'data-testid="record-form"' not in html and "很满意" in html


def test_not_satisfied_reopens_the_complaint_to_its_department(client, clerk, dept_head):
    complaint = closed(clerk, dept_head)
    cb = callback_of(complaint)
    c = english(client, clerk)
    r = save(c, cb, method="phone", reached="yes", satisfaction="not_satisfied", words="还在漏")
    assert r.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REOPENED
    assert complaint.department == dept_head.staff_profile.department
    message = c.get(LIST).content.decode()
    assert "not satisfied. The complaint is reopened and back with" in message
    assert complaint.department.name in message
    assert EventKind.REOPENED in cb.events.values_list("kind", flat=True)


def test_not_reached_counts_the_tries_then_unreachable(client, clerk, dept_head, settings):
    settings.CALLBACK_MAX_TRIES = 2
    cb = callback_of(closed(clerk, dept_head))
    c = english(client, clerk)
    assert save(c, cb, method="phone", reached="no", words="无人接听").status_code == 302
    cb.refresh_from_db()
    assert (cb.status, cb.tries) == (Status.DUE, 1)
    html = c.get(LIST).content.decode()
    assert "not reached (try 1 of 2)" in html
    assert re.search(r'data-testid="row-tries"><span class="badge[^"]*">1 try<', html)
    page = c.get(reverse("callbacks:record", args=[cb.pk])).content.decode()
    assert 'data-testid="tries"' in page and "无人接听" in page  # the earlier try
    assert save(c, cb, method="phone", reached="no").status_code == 302
    cb.refresh_from_db()
    assert (cb.status, cb.tries) == (Status.UNREACHABLE, 2)
    assert "recorded as unreachable" in c.get(LIST).content.decode()
    assert rows(c.get(LIST).content.decode()) == []


def test_a_visit_to_a_repair_carries_the_drawn_signature(client, clerk, technician, dept_head):
    o = finished(clerk, technician)
    cb = callback_of(o)
    c = english(client, clerk)
    page = c.get(reverse("callbacks:record", args=[cb.pk])).content.decode()
    assert all(f'name="{n}"' in page for n in ("attitude", "speed", "quality"))
    assert "更换水龙头阀芯" in page  # what was done
    r = save(
        c,
        cb,
        method="visit",
        reached="yes",
        satisfaction="satisfied",
        attitude="satisfied",
        speed="basic",
        quality="satisfied",
        words="师傅很仔细",
        signature=drawn_signature(),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    cb.refresh_from_db()
    assert (cb.status, cb.method, cb.speed) == (Status.DONE, "visit", "basic")
    img = c.get(reverse("callbacks:signature", args=[cb.pk]))
    assert img.status_code == 200 and img["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(img.content)).convert("L").getextrema()[0] < 100
    # The order's page and its print show the callback with the signature.
    detail = c.get(reverse("repairs:detail", args=[o.pk])).content.decode()
    assert 'data-testid="callback-card"' in detail and "师傅很仔细" in detail
    assert reverse("callbacks:signature", args=[cb.pk]) in detail
    printed = c.get(reverse("repairs:print", args=[o.pk])).content.decode()
    assert 'data-testid="print-callback"' in printed and "师傅很仔细" in printed
    assert reverse("callbacks:signature", args=[cb.pk]) in printed
    # The engineering head reads the order, and so its callback's signature.
    assert (
        english(client, dept_head).get(reverse("callbacks:signature", args=[cb.pk])).status_code
        == 200
    )


def test_not_satisfied_with_a_repair_orders_the_rework(client, clerk, technician):
    o = finished(clerk, technician)
    cb = callback_of(o)
    c = english(client, clerk)
    r = save(
        c,
        cb,
        method="phone",
        reached="yes",
        satisfaction="not_satisfied",
        attitude="satisfied",
        speed="satisfied",
        quality="not_satisfied",
        words="又漏了",
    )
    assert r.status_code == 302
    rework = RepairOrder.objects.get(rework_of=o)
    assert f"Rework {rework.number} is ordered" in c.get(LIST).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reached": "yes", "satisfaction": "satisfied"}, "This field is required"),
        ({"method": "phone", "reached": "yes"}, "Was the resident satisfied? Choose one."),
        (
            {"method": "visit", "reached": "yes", "satisfaction": "satisfied"},
            "A visit callback carries the resident&#x27;s signature.",
        ),
        (
            {
                "method": "visit",
                "reached": "yes",
                "satisfaction": "satisfied",
                "signature": "data:image/png;base64,!!!",
            },
            "The drawn signature did not arrive: sign again.",
        ),
        (
            {
                "method": "visit",
                "reached": "yes",
                "satisfaction": "satisfied",
                "signature": "data:image/png;base64," + base64.b64encode(b"not a png").decode(),
            },
            "The signature did not arrive as a drawing: sign again.",
        ),
        ({"method": "fax", "reached": "yes", "satisfaction": "satisfied"}, "Select a valid"),
        ({"method": "phone", "reached": "yes", "satisfaction": "great"}, "Select a valid"),
        ({"method": "phone", "reached": "no", "words": "长" * 2001}, "at most 2000"),
    ],
)
def test_bad_input_is_400_with_the_message_and_nothing_saved(
    client, clerk, dept_head, data, message
):
    cb = callback_of(closed(clerk, dept_head))
    before = snapshot(cb)
    r = save(english(client, clerk), cb, **data)
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html
    assert 'data-testid="record-form"' in html  # the form again, with what was typed
    assert snapshot(cb) == before


def test_a_repair_without_the_three_ratings_is_refused(client, clerk, technician):
    cb = callback_of(finished(clerk, technician))
    before = snapshot(cb)
    r = save(english(client, clerk), cb, method="phone", reached="yes", satisfaction="basic")
    assert r.status_code == 400
    assert "rate the service attitude, the speed and the quality" in r.content.decode()
    assert snapshot(cb) == before
    assert not RepairOrder.objects.filter(rework_of=cb.repair_order).exists()


def test_recording_twice_is_409_and_changes_nothing(client, clerk, dept_head):
    cb = callback_of(closed(clerk, dept_head))
    c = english(client, clerk)
    save(c, cb, method="phone", reached="yes", satisfaction="satisfied")
    before = snapshot(cb)
    r = save(c, cb, method="phone", reached="yes", satisfaction="not_satisfied")
    assert r.status_code == 409
    assert "already recorded" in r.content.decode()
    assert snapshot(cb) == before
    assert Complaint.objects.get(pk=cb.complaint_id).status == ComplaintStatus.CLOSED


# --- the callback on the case's pages -------------------------------------------------


def test_the_complaint_page_has_the_callback_card(client, clerk, dept_head):
    complaint = closed(clerk, dept_head)
    cb = callback_of(complaint)
    url = reverse("complaints:detail", args=[complaint.pk])
    html = english(client, clerk).get(url).content.decode()
    assert 'data-testid="callback-card"' in html
    assert reverse("callbacks:record", args=[cb.pk]) in html
    assert 'data-testid="record-callback"' in html  # the desk: call back from here
    # The department reads the card, without the desk's link.
    head = english(client, dept_head).get(url).content.decode()
    assert 'data-testid="callback-card"' in head and 'data-testid="record-callback"' not in head
    printed = english(client, clerk).get(reverse("complaints:print", args=[complaint.pk]))
    assert 'data-testid="print-callback"' in printed.content.decode()


def test_an_anonymous_complaint_shows_no_callback_needed(client, clerk, dept_head):
    complaint = closed(clerk, dept_head, anonymous=True, resident_name="", resident_phone="")
    html = (
        english(client, clerk)
        .get(reverse("complaints:detail", args=[complaint.pk]))
        .content.decode()
    )
    assert str(Status.NOT_NEEDED.label) in html and 'data-testid="record-callback"' not in html
    assert rows(english(client, clerk).get(LIST).content.decode()) == []


def test_the_complaint_page_reads_the_callbacks_in_one_query(client, clerk, dept_head):
    complaint = closed(clerk, dept_head)
    c = english(client, clerk)
    url = reverse("complaints:detail", args=[complaint.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    save(
        c,
        callback_of(complaint),
        method="phone",
        reached="yes",
        satisfaction="not_satisfied",
        words="还在漏",
    )
    # Handled again and closed again: a second callback, recorded by a visit with a signature.
    advance(complaint, to="closed", clerk=clerk, head=dept_head)
    save(
        c,
        callback_of(complaint),
        method="visit",
        reached="yes",
        satisfaction="satisfied",
        signature=drawn_signature(),
    )
    assert Callback.objects.filter(complaint=complaint).count() == 2
    html = c.get(url).content.decode()
    assert html.count('data-testid="callback-result"') == 2 and "callbacks/" in html
    assert count() == one


# --- the public letter ----------------------------------------------------------------


def test_the_letter_answers_the_chosen_callbacks(client, clerk, dept_head):
    chosen = [callback_of(closed(clerk, dept_head)) for _ in range(2)]
    other = callback_of(closed(clerk, dept_head))
    c = english(client, clerk)
    html = c.get(LIST).content.decode()
    assert html.count('name="ids"') == 3
    assert f'action="{reverse("callbacks:letter_new")}"' in html
    ids = [cb.pk for cb in chosen]
    form = c.get(reverse("callbacks:letter_new"), {"ids": ids})
    assert form.status_code == 200
    assert all(f'data-callback="{pk}"' in form.content.decode() for pk in ids)
    r = c.post(
        reverse("callbacks:letter_write"),
        {"ids": ids, "title": "关于3号楼漏水的说明", "body": "各位住户：\n漏水已处理。"},
    )
    assert r.status_code == 302
    letter = PublicLetter.objects.get()
    assert r["Location"] == reverse("callbacks:letter", args=[letter.pk])
    for cb in chosen:
        cb.refresh_from_db()
        assert (cb.status, cb.method, cb.letter) == (Status.DONE, "letter", letter)
    assert Callback.objects.get(pk=other.pk).status == Status.DUE
    page = c.get(r["Location"]).content.decode()
    assert "关于3号楼漏水的说明" in page and "kept: it answers 2 callbacks" in page
    assert all(cb.complaint.number in page for cb in chosen)
    printed = c.get(reverse("callbacks:letter_print", args=[letter.pk])).content.decode()
    assert "关于3号楼漏水的说明" in printed and "漏水已处理。" in printed
    assert "css/print.css" in printed and "data-print" in printed
    assert rows(c.get(LIST).content.decode()) == [other.pk]
    # Each answered complaint's page names the letter.
    detail = c.get(reverse("complaints:detail", args=[chosen[0].complaint_id])).content.decode()
    assert reverse("callbacks:letter", args=[letter.pk]) in detail


def test_a_letter_for_one_callback_or_without_text_is_refused(client, clerk, dept_head):
    chosen = [callback_of(closed(clerk, dept_head)) for _ in range(2)]
    c = english(client, clerk)
    url = reverse("callbacks:letter_write")
    r = c.post(url, {"ids": [chosen[0].pk], "title": "说明", "body": "内容"})
    assert r.status_code == 400
    assert "A public letter answers at least two callbacks." in r.content.decode()
    r = c.post(url, {"ids": [cb.pk for cb in chosen], "title": "", "body": "内容"})
    assert r.status_code == 400 and "This field is required" in r.content.decode()
    assert not PublicLetter.objects.exists()
    assert set(Callback.objects.values_list("status", flat=True)) == {Status.DUE}
    # One recorded meanwhile: 409, nothing written.
    save(c, chosen[0], method="phone", reached="yes", satisfaction="satisfied")
    r = c.post(url, {"ids": [cb.pk for cb in chosen], "title": "说明", "body": "内容"})
    assert r.status_code == 409 and "recorded already" in r.content.decode()
    assert not PublicLetter.objects.exists()
    assert Callback.objects.get(pk=chosen[1].pk).status == Status.DUE


def test_another_estates_letter_is_404(client, clerk, dept_head, other_clerk):
    ids = [callback_of(closed(clerk, dept_head)).pk for _ in range(2)]
    c = english(client, clerk)
    c.post(reverse("callbacks:letter_write"), {"ids": ids, "title": "说明", "body": "内容"})
    letter = PublicLetter.objects.get()
    other = english(client, other_clerk)
    assert other.get(reverse("callbacks:letter", args=[letter.pk])).status_code == 404
    assert other.get(reverse("callbacks:letter_print", args=[letter.pk])).status_code == 404
    r = other.post(reverse("callbacks:letter_write"), {"ids": ids, "title": "x", "body": "y"})
    assert r.status_code == 404
    assert PublicLetter.objects.count() == 1


# --- the navigation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [("clerk", True), ("supervisor", True), ("director", True), ("dept_head", False)],
)
def test_the_navigation_offers_callbacks(client, user_of, role, shown):
    html = english(client, user_of(role)).get(reverse("inbox")).content.decode()
    assert (f'href="{LIST}"' in html) is shown


def test_a_new_matter_raised_at_a_callback_opens_the_intake_or_the_repair_form(
    client, clerk, dept_head
):
    """A new matter becomes a complaint or a repair order, carried with the unit and the
    caller (the case's clocks then give the reply its time)."""
    from callbacks.models import Callback
    from tests.factories.complaints import advance, make_complaint
    from tests.factories.staff import UnitFactory

    unit = UnitFactory(estate=clerk.staff_profile.estate)
    advance(make_complaint(clerk=clerk, unit=unit), to="closed", clerk=clerk, head=dept_head)
    cb = Callback.objects.get()
    client.force_login(clerk)
    html = client.get(reverse("callbacks:record", args=[cb.pk])).content.decode()
    assert f"{reverse('complaints:intake')}?unit={unit.pk}" in html
    repair = re.search(r'href="([^"]+)" data-testid="new-repair"', html)
    assert repair is not None
    page = client.get(repair.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    assert page.context["form"].initial["unit_id"] == unit.pk


def test_the_list_escapes_what_residents_and_clerks_wrote(client, clerk, dept_head):
    c = closed(
        clerk,
        dept_head,
        description="<script>alert(1)</script>楼上漏水",
        resident_name="<i>王五</i>",
    )
    html = english(client, clerk).get(LIST).content.decode()
    row = html[html.index(f'data-callback="{callback_of(c).pk}"') :]
    row = row[: row.index("</tr>")]
    assert "<script>" not in html and "&lt;script&gt;" in row
    assert "<i>" not in row


@pytest.mark.parametrize("days_later", [0, 30])
@pytest.mark.parametrize(
    ("who", "params"),
    [
        ("clerk", {}),
        ("clerk", {"kind": "repair"}),
        ("clerk", {"kind": "complaint"}),
        ("supervisor", {}),
        ("gm", {}),
    ],
)
def test_no_row_of_the_list_asks_for_a_column_left_out(
    client, clerk, dept_head, technician, user_of, monkeypatch, who, params, days_later
):
    """The list reads only the columns its rows show (LIST_READS): with fetching
    blocked, complaint and repair callbacks, tried and untried, due and overdue, with a
    unit or a place, still render for the desk and for managers."""
    from django.db.models import FETCH_RAISE

    from callbacks import views

    complaint = callback_of(closed(clerk, dept_head))
    callback_of(closed(clerk, dept_head, unit=None, location="3号楼大堂"))
    repair = callback_of(finished(clerk, technician))
    c = english(client, clerk)
    for cb in (complaint, repair):
        assert save(c, cb, method="phone", reached="no", words="无人接听").status_code == 302
    monkeypatch.setattr(views, "LIST_FETCH_MODE", FETCH_RAISE)
    with time_machine.travel(timezone.now() + dt.timedelta(days=days_later)):
        viewer = english(client, user_of(who))
        html = viewer.get(LIST, params).content.decode()
    assert len(rows(html)) >= 1
