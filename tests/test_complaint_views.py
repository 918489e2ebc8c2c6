"""The complaint screens through Django's test client: intake, refused and illegal
actions, the unit search and history, repeat complaints, escaping of what residents
type, the printed form, and GETs that never write."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from complaints import services
from complaints.forms import IntakeForm
from complaints.models import (
    Category,
    Complaint,
    ComplaintCounter,
    ComplaintEvent,
    EventKind,
    Status,
)
from staff.models import Delivery, Department
from staff.notify import delivery_send
from tests.factories.complaints import advance, department, make_complaint
from tests.factories.staff import ResidentFactory, UnitFactory

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(queries) -> list[str]:
    """Writes other than the record of a printed form's contact data (staff.privacy)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(WRITES)
        and not q["sql"].startswith('INSERT INTO "staff_contactreveal"')
    ]


def _tag(body: str, name: str) -> str:
    """The opening tag of the form control called ``name``."""
    match = re.search(rf'<(?:input|textarea|select)\b[^>]*\bname="{name}"[^>]*>', body)
    assert match, f"no control named {name!r} on the page"
    return match.group(0)


def _snapshot() -> tuple[int, int, list]:
    return (
        Complaint.objects.count(),
        ComplaintEvent.objects.count(),
        sorted(ComplaintCounter.objects.values_list("estate_id", "month", "last")),
    )


@pytest.fixture
def eng(dept_head):
    return dept_head.staff_profile.department


@pytest.fixture
def intake_data(eng):
    """A complete 《住户投诉意见表》 as the intake form posts it."""
    return {
        "channel": "phone",
        "category": Category.ENGINEERING,
        "grade": "minor",
        "description": "卫生间顶棚漏水，楼上住户不在家",
        "demand": "尽快修好",
        "location": "",
        "resident_name": "王五",
        "resident_phone": "13812345678",
        "outcome": "route",
        "department": eng.pk,
        "outcome_note": "",
    }


# --- intake ------------------------------------------------------------------------------


def test_valid_intake_creates_the_complaint_and_routes_it(client, clerk, eng, intake_data):
    client.force_login(clerk)
    response = client.post(reverse("complaints:intake"), intake_data)

    c = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[c.pk])
    assert c.status == Status.ROUTED
    assert c.department == eng
    assert c.received_by == clerk
    assert c.estate == clerk.staff_profile.estate
    assert c.description == intake_data["description"]
    assert c.number.startswith("TS-")
    assert list(c.events.order_by("at", "id").values_list("kind", flat=True)) == [
        EventKind.RECEIVED,
        EventKind.GRADED,
        EventKind.ROUTED,
    ]
    page = client.get(response["Location"])
    assert c.number in page.content.decode()


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("description", {"description": ""}),
        ("resident_phone", {"resident_phone": "12345"}),
        ("requested_deadline", {"requested_deadline": "YESTERDAY"}),
        ("department", {"outcome": "route", "department": ""}),
        ("outcome_note", {"outcome": "on_the_spot", "outcome_note": ""}),
    ],
    ids=[
        "missing description",
        "bad phone",
        "deadline in the past",
        "route without department",
        "on the spot without note",
    ],
)
def test_invalid_intake_is_rerendered_with_the_field_error_and_saves_nothing(
    client, clerk, intake_data, field, changes
):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    data = {**intake_data, **{k: yesterday if v == "YESTERDAY" else v for k, v in changes.items()}}
    client.force_login(clerk)
    before = _snapshot()

    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("complaints:intake"), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert "is-invalid" in _tag(body, field)
    # What the clerk typed is still there.
    assert "卫生间顶棚漏水" in body or field == "description"
    assert _snapshot() == before
    assert _writes(queries) == []


@pytest.mark.parametrize(
    ("field", "which"),
    [
        ("department", "unknown"),
        ("department", "other estate"),
        ("target_department", "unknown"),
        ("target_department", "other estate"),
    ],
)
def test_hand_built_intake_with_a_department_outside_the_estate_is_refused(
    client, clerk, jr, intake_data, field, which
):
    jr_engineering = department(jr, Department.Kind.ENGINEERING)
    bad = 999_999 if which == "unknown" else jr_engineering.pk
    client.force_login(clerk)
    before = _snapshot()

    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("complaints:intake"), {**intake_data, field: bad})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert _snapshot() == before
    assert _writes(queries) == []
    assert jr_engineering.complaints.count() == 0


def test_clerk_cannot_link_a_repeat_of_a_complaint_of_another_estate(
    client, clerk, other_clerk, intake_data
):
    elsewhere = make_complaint(clerk=other_clerk)
    client.force_login(clerk)
    response = client.post(
        reverse("complaints:intake"), {**intake_data, "repeat_of_id": elsewhere.pk}
    )
    assert response.status_code == 302
    saved = Complaint.objects.exclude(pk=elsewhere.pk).get()
    assert saved.repeat_of is None
    assert not elsewhere.repeats.exists()


def test_manager_linking_a_repeat_of_another_estates_complaint_gets_a_form_error(
    ch, manager, other_clerk, intake_data
):
    elsewhere = make_complaint(clerk=other_clerk)
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    before = _snapshot()
    response = client.post(
        f"{reverse('complaints:intake')}?estate={ch.pk}",
        {**intake_data, "repeat_of_id": elsewhere.pk},
    )
    assert response.status_code == 400
    assert _snapshot() == before


def test_manager_intake_with_a_malformed_estate_parameter_is_not_found(ch, manager):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    response = client.get(reverse("complaints:intake"), {"estate": "abc"})
    assert response.status_code == 404


@pytest.mark.parametrize("term", ["\x00", "15\x0002"], ids=["nul", "nul inside digits"])
def test_intake_search_with_a_nul_character_is_not_a_server_error(clerk, term):
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    response = client.get(reverse("complaints:intake"), {"q": term})
    assert response.status_code in (200, 400)


def test_list_search_with_a_nul_character_is_ignored(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("complaints:list"), {"q": "漏\x00水"}).status_code == 200


@pytest.mark.parametrize("page", ["999999999999999999", "99999999999999999999999"])
def test_list_with_an_absurd_page_number_is_not_a_server_error(clerk, page):
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    response = client.get(reverse("complaints:list"), {"page": page})
    assert response.status_code in (200, 404)


# --- actions: illegal transitions and invalid forms --------------------------------------------


def _state(c: Complaint) -> tuple:
    c = Complaint.objects.get(pk=c.pk)
    return (c.status, c.department_id, c.closed_at, c.events.count())


def _complaint_writes(queries) -> list[str]:
    return [sql for sql in _writes(queries) if "complaints_" in sql]


@pytest.mark.parametrize(
    ("action", "data"),
    [("close", {}), ("route", "ENGINEERING")],
    ids=["close an already closed complaint", "route a closed complaint"],
)
def test_illegal_transition_by_hand_built_post_is_refused_with_409(
    client, clerk, dept_head, eng, action, data
):
    closed = advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    data = {"department": eng.pk} if data == "ENGINEERING" else data
    before = _state(closed)
    client.force_login(clerk)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("complaints:act", args=[closed.pk, action]), data)

    assert response.status_code == 409
    messages = list(response.context["messages"])
    assert [m.level_tag for m in messages] == ["error"]
    assert closed.number in str(messages[0])
    assert "alert-danger" in response.content.decode()
    assert _state(closed) == before
    assert _complaint_writes(queries) == []


def test_route_by_hand_built_post_to_a_department_of_another_estate_is_refused(
    client, clerk, dept_head, jr
):
    received = make_complaint(clerk=clerk)
    jr_engineering = department(jr, Department.Kind.ENGINEERING)
    before = _state(received)
    client.force_login(clerk)
    response = client.post(
        reverse("complaints:act", args=[received.pk, "route"]), {"department": jr_engineering.pk}
    )
    assert response.status_code == 400
    assert _state(received) == before


@pytest.mark.parametrize(
    "data", [{}, {"note": ""}, {"note": "   "}], ids=["none", "empty", "blank"]
)
def test_handle_without_a_note_is_rerendered_with_400(client, clerk, dept_head, data):
    signed = advance(make_complaint(clerk=clerk), to="signed", clerk=clerk, head=dept_head)
    before = _state(signed)
    client.force_login(dept_head)

    response = client.post(reverse("complaints:act", args=[signed.pk, "handle"]), data)

    assert response.status_code == 400
    body = response.content.decode()
    handle_form = body.split('data-testid="action-handle"', 1)[1].split("</form>", 1)[0]
    assert "is-invalid" in _tag(handle_form, "note")
    assert _state(signed) == before


# --- the unit search and the unit's history --------------------------------------------------


@pytest.fixture
def ch_unit(ch):
    unit = UnitFactory(estate=ch, building="3", entrance="2", room="1502")
    ResidentFactory(unit=unit, name="赵六", phone="13700001111")
    return unit


def test_intake_search_by_room_lists_the_unit_of_the_clerks_estate_only(client, clerk, ch_unit, jr):
    jr_unit = UnitFactory(estate=jr, building="A", entrance="", room="1502")
    client.force_login(clerk)
    body = client.get(reverse("complaints:intake"), {"q": "1502"}).content.decode()
    matches = body.split('data-testid="unit-matches"', 1)[1].split("</ul>", 1)[0]
    assert f'href="?unit={ch_unit.pk}"' in matches
    # The residents' contact data masked (staff.privacy); the form fills in the full one.
    assert "赵*" in matches and "137****1111" in matches and "13700001111" not in matches
    assert f"?unit={jr_unit.pk}" not in matches


def test_intake_with_a_unit_shows_its_open_and_recent_complaints(
    client, clerk, dept_head, ch, ch_unit
):
    long_ago = timezone.now() - dt.timedelta(days=120)
    with time_machine.travel(long_ago, tick=False):
        old_open = make_complaint(clerk=clerk, unit=ch_unit, description="老问题一直没修")
        old_closed = advance(
            make_complaint(clerk=clerk, unit=ch_unit, description="旧的已关闭"),
            to="closed",
            clerk=clerk,
            head=dept_head,
        )
    recent_closed = advance(
        make_complaint(clerk=clerk, unit=ch_unit, description="最近已关闭"),
        to="closed",
        clerk=clerk,
        head=dept_head,
    )
    recent_open = advance(
        make_complaint(clerk=clerk, unit=ch_unit), to="routed", clerk=clerk, head=dept_head
    )
    elsewhere = make_complaint(
        clerk=clerk, unit=UnitFactory(estate=ch, room="1503"), resident_phone="13911112222"
    )
    client.force_login(clerk)

    response = client.get(reverse("complaints:intake"), {"unit": ch_unit.pk})

    body = response.content.decode()
    panel = body.split('data-testid="unit-history"', 1)[1].split('id="intake-form"', 1)[0]
    shown = set(re.findall(r"TS-\d{6}-\d{4}", panel))
    assert shown == {old_open.number, recent_closed.number, recent_open.number}
    assert old_closed.number not in shown and elsewhere.number not in shown
    # The unit's only resident is filled in, and the unit goes with the form.
    assert 'value="赵六"' in _tag(body, "resident_name")
    assert f'value="{ch_unit.pk}"' in _tag(body, "unit_id")


def test_second_complaint_from_the_same_unit_and_category_is_marked_repeat(
    client, clerk, ch_unit, intake_data
):
    client.force_login(clerk)
    data = {**intake_data, "unit_id": ch_unit.pk, "resident_phone": ""}
    first = client.post(reverse("complaints:intake"), data)
    second = client.post(reverse("complaints:intake"), {**data, "description": "又漏水了"})
    other_category = client.post(
        reverse("complaints:intake"),
        {**data, "category": Category.CLEANING, "description": "楼道没人打扫"},
    )
    assert first.status_code == second.status_code == other_category.status_code == 302

    a, b, c = Complaint.objects.order_by("pk")
    assert (a.unit, b.unit, c.unit) == (ch_unit, ch_unit, ch_unit)
    assert a.repeat_of is None
    assert b.repeat_of == a
    assert c.repeat_of is None
    body = client.get(reverse("complaints:detail", args=[b.pk])).content.decode()
    assert f'href="{reverse("complaints:detail", args=[a.pk])}">{a.number}</a>' in body


# --- what residents type is escaped everywhere -------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def xss(clerk, dept_head, ch_unit):
    return advance(
        make_complaint(
            clerk=clerk, unit=ch_unit, description=SCRIPT, resident_name=IMG, demand=SCRIPT
        ),
        to="routed",
        clerk=clerk,
        head=dept_head,
    )


@pytest.mark.parametrize(
    ("page", "user", "shows_name"),
    [
        ("detail", "clerk", False),  # masked (staff.privacy): the reveal is escaped too
        ("list", "clerk", False),
        ("print", "clerk", True),
        ("queue", "dept_head", False),
        ("intake history", "clerk", False),
        ("admin change", "manager", True),
    ],
)
def test_what_the_resident_typed_is_escaped(client, user_of, xss, ch_unit, page, user, shows_name):
    url = {
        "detail": reverse("complaints:detail", args=[xss.pk]),
        "list": reverse("complaints:list"),
        "print": reverse("complaints:print", args=[xss.pk]),
        "queue": reverse("complaints:queue"),
        "intake history": f"{reverse('complaints:intake')}?unit={ch_unit.pk}",
        "admin change": reverse("admin:complaints_complaint_change", args=[xss.pk]),
    }[page]
    client.force_login(user_of(user))

    response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert xss.number in body
    assert SCRIPT not in body
    assert "<img src=x" not in body
    assert SCRIPT_ESCAPED in body
    if shows_name:
        assert IMG_ESCAPED in body


@pytest.fixture
def head_with_email(dept_head, eng):
    dept_head.email = "eng_head@example.com"
    dept_head.save(update_fields=["email"])
    eng.head = dept_head
    eng.save(update_fields=["head"])
    return dept_head


def test_routing_email_carries_the_residents_text_as_plain_text(
    clerk, head_with_email, eng, mailoutbox
):
    c = make_complaint(clerk=clerk, description=SCRIPT, resident_name=IMG)
    services.complaint_route(actor=clerk, complaint_id=c.pk, department=eng)
    delivery = Delivery.objects.get(channel=Delivery.Channel.EMAIL, target="eng_head@example.com")
    assert SCRIPT in delivery.body

    assert delivery_send(delivery_id=delivery.pk) == "sent"

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["eng_head@example.com"]
    assert c.number in message.subject
    assert SCRIPT in message.body
    assert "&lt;" not in message.body and "&gt;" not in message.body
    assert getattr(message, "alternatives", []) == []
    assert message.content_subtype == "plain"
    assert message.message().get_content_type() == "text/plain"


def test_routing_notice_in_the_heads_inbox_is_escaped(client, clerk, head_with_email, eng):
    c = make_complaint(clerk=clerk, description=SCRIPT, resident_name=IMG)
    services.complaint_route(actor=clerk, complaint_id=c.pk, department=eng)
    client.force_login(head_with_email)
    body = client.get(reverse("inbox")).content.decode()
    assert c.number in body
    assert SCRIPT not in body
    assert SCRIPT_ESCAPED in body


def test_no_email_when_the_department_has_no_head_with_an_address(clerk, eng, mailoutbox):
    c = make_complaint(clerk=clerk)
    services.complaint_route(actor=clerk, complaint_id=c.pk, department=eng)
    assert not Delivery.objects.exists()
    assert mailoutbox == []


# --- the printed form -----------------------------------------------------------------------------


def test_print_view_renders_the_form_with_its_handling_log(client, clerk, dept_head, ch):
    c = advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    client.force_login(clerk)

    response = client.get(reverse("complaints:print", args=[c.pk]))

    assert response.status_code == 200
    assert "complaints/print.html" in [t.name for t in response.templates]
    body = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    heading = re.search(r"<h1>(.*?)</h1>", body, re.S).group(1)
    assert "住户投诉意见表" in title and c.number in title
    assert "住户投诉意见表" in heading and ch.name in heading
    assert c.number in body and "楼上漏水，天花板滴水" in body
    log = body.split('<table class="log">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", log, re.S)[1:]  # the first row is the header
    events = list(c.events.order_by("at", "id"))
    assert [e.kind for e in events] == [
        "received",
        "graded",
        "routed",
        "signed",
        "handled",
        "informed",
        "closed",
    ]
    assert len(rows) == len(events)
    with translation.override("zh-hans"):
        for row, event in zip(rows, events, strict=True):
            assert str(event.get_kind_display()) in row
    assert "已更换水管" in log  # the handling note
    assert "工程部" in log or str(dept_head.staff_profile.department.name) in log


# --- a GET never writes --------------------------------------------------------------------------


@pytest.fixture
def pages(clerk, dept_head, ch_unit):
    """Every complaint page, with the user who may open it."""
    c = advance(
        make_complaint(clerk=clerk, unit=ch_unit), to="handled", clerk=clerk, head=dept_head
    )
    closed = advance(
        make_complaint(clerk=clerk, unit=ch_unit), to="closed", clerk=clerk, head=dept_head
    )
    return {
        "intake": ("clerk", reverse("complaints:intake")),
        "intake search": ("clerk", f"{reverse('complaints:intake')}?q=1502"),
        "intake unit": ("clerk", f"{reverse('complaints:intake')}?unit={ch_unit.pk}"),
        "list": ("clerk", reverse("complaints:list")),
        "list search": ("clerk", f"{reverse('complaints:list')}?q=漏水&open_only=on"),
        "list overdue": ("supervisor", f"{reverse('complaints:list')}?overdue=on"),
        "queue": ("dept_head", reverse("complaints:queue")),
        "detail (clerk)": ("clerk", reverse("complaints:detail", args=[c.pk])),
        "detail (head)": ("dept_head", reverse("complaints:detail", args=[c.pk])),
        "detail (gm)": ("gm", reverse("complaints:detail", args=[c.pk])),
        "detail closed": ("supervisor", reverse("complaints:detail", args=[closed.pk])),
        "print": ("clerk", reverse("complaints:print", args=[c.pk])),
        "admin change": (
            "manager",
            reverse("admin:complaints_complaint_change", args=[c.pk]),
        ),
        "admin list": ("manager", reverse("admin:complaints_complaint_changelist")),
    }


PAGES = [
    "intake",
    "intake search",
    "intake unit",
    "list",
    "list search",
    "list overdue",
    "queue",
    "detail (clerk)",
    "detail (head)",
    "detail (gm)",
    "detail closed",
    "print",
    "admin change",
    "admin list",
]


@pytest.mark.parametrize("page", PAGES)
def test_get_of_a_complaint_page_writes_nothing(client, user_of, pages, page):
    user, url = pages[page]
    client.force_login(user_of(user))
    before = _snapshot()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert _writes(queries) == []
    assert not [q for q in queries.captured_queries if "FOR UPDATE" in q["sql"].upper()]
    assert _snapshot() == before


def test_the_intake_form_leaves_the_rules_to_the_service(clerk, intake_data):
    """One validator: the form checks only types; the service's errors land on the
    fields (see test_invalid_intake_is_rerendered_with_the_field_error_and_saves_nothing)."""
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    data = {
        **intake_data,
        "resident_name": "",
        "resident_phone": "",
        "requested_deadline": yesterday,
        "outcome": "route",
        "department": "",
    }
    form = IntakeForm(data, estate=clerk.staff_profile.estate)
    assert form.is_valid(), form.errors
