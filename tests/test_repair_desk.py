"""The desk's repair form (repairs:new): report and dispatch in one step, the four ways
an order goes on, what refuses a save (and saves nothing), who may use it, the prefill
from a complaint and from the intake desk, and a unit's repair history."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from complaints.models import Status as ComplaintStatus
from repairs.models import (
    EventKind,
    Fault,
    RepairKind,
    RepairOrder,
    RepairOrderCounter,
    RepairOrderEvent,
    Shift,
    Source,
    Status,
    Urgency,
)
from tests.complaint_helpers import at_status
from tests.factories.complaints import make_complaint
from tests.factories.repairs import make_order, make_technician
from tests.factories.staff import ResidentFactory, UnitFactory

pytestmark = pytest.mark.usefixtures("sent_tasks")

NEW = "repairs:new"


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def unit(ch):
    u = UnitFactory(estate=ch, building="3", entrance="2", room="201")
    ResidentFactory(unit=u, name="赵六", phone="13700001502")
    return u


@pytest.fixture
def crew(ch, dept_head, technician):
    """The engineering head and two technicians; ``technician`` is on shift now."""
    tech2 = make_technician("tech2", ch)
    now = timezone.now()
    Shift.objects.create(
        estate=ch,
        user=technician,
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=6),
    )
    return {"head": dept_head, "on_shift": technician, "off": tech2}


def form_data(unit=None, **overrides):
    data = {
        "unit_id": unit.pk if unit is not None else "",
        "location": "",
        "resident_name": "王五",
        "resident_phone": "13812345678",
        "description": "卫生间水管爆裂，水往外喷",
        "fault": Fault.WATER,
        "urgency": Urgency.EMERGENCY,
        "appointment_at": "",
        "kind": RepairKind.FREE,
        "source": Source.CALL,
        "dispatch": "publish",
        "technician": "",
    }
    data.update(overrides)
    return data


def nothing_saved():
    return (
        not RepairOrder.objects.exists()
        and not RepairOrderEvent.objects.exists()
        and not RepairOrderCounter.objects.exists()
    )


# --- 1. one form: report and dispatch -----------------------------------------------------


def test_assigning_to_a_technician_saves_and_dispatches_in_one_step(client, clerk, unit, crew):
    client.force_login(clerk)
    data = form_data(unit, dispatch="assign", technician=crew["off"].pk)
    response = client.post(reverse(NEW), data)
    o = RepairOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("repairs:detail", args=[o.pk])
    assert (o.status, o.technician, o.published) == (Status.DISPATCHED, crew["off"], False)
    assert (o.unit, o.resident_name, o.resident_phone) == (unit, "王五", "13812345678")
    assert (o.fault, o.urgency, o.kind, o.source) == (
        Fault.WATER,
        Urgency.EMERGENCY,
        RepairKind.FREE,
        Source.CALL,
    )
    assert o.reported_by == clerk and o.arrive_due is not None
    kinds = list(o.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == [EventKind.REPORTED, EventKind.DISPATCHED]
    message = [str(m) for m in response.wsgi_request._messages]
    assert any(o.number in m and "sent to" in m for m in message)


def test_open_to_take_publishes_it_for_those_on_shift(client, clerk, unit, crew):
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(unit, dispatch="publish"))
    o = RepairOrder.objects.get()
    assert response.status_code == 302
    assert (o.status, o.technician, o.published) == (Status.DISPATCHED, None, True)


def test_round_robin_gives_it_to_the_technician_on_shift(client, clerk, unit, crew):
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(unit, dispatch="round_robin"))
    o = RepairOrder.objects.get()
    assert response.status_code == 302
    assert (o.status, o.technician) == (Status.DISPATCHED, crew["on_shift"])
    assert o.events.filter(kind=EventKind.DISPATCHED).get().data.get("round_robin") is True


def test_leaving_it_for_the_engineering_head_only_reports_it(client, clerk, unit, crew):
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(unit, dispatch="head"))
    o = RepairOrder.objects.get()
    assert response.status_code == 302
    assert (o.status, o.technician, o.published) == (Status.REPORTED, None, False)
    assert o.dispatch_due is not None


def test_a_common_area_needs_no_unit(client, clerk, crew):
    client.force_login(clerk)
    data = form_data(None, location="3号楼电梯厅", fault=Fault.LIFT, source=Source.PATROL)
    assert client.post(reverse(NEW), data).status_code == 302
    o = RepairOrder.objects.get()
    assert (o.unit, o.location, o.source) == (None, "3号楼电梯厅", Source.PATROL)


def test_an_appointment_keeps_its_agreed_time(client, clerk, unit, crew):
    client.force_login(clerk)
    at = timezone.localtime() + dt.timedelta(days=1)
    data = form_data(
        unit,
        urgency=Urgency.APPOINTMENT,
        appointment_at=at.strftime("%Y-%m-%dT%H:%M"),
        kind=RepairKind.PAID,
    )
    assert client.post(reverse(NEW), data).status_code == 302
    o = RepairOrder.objects.get()
    assert o.appointment_at == at.replace(second=0, microsecond=0)
    assert o.kind == RepairKind.PAID


def test_the_form_offers_the_estates_technicians_those_on_shift_first_and_marked(
    client, clerk, crew, jr
):
    make_technician("tech_jr", jr)
    client.force_login(clerk)
    body = client.get(reverse(NEW)).content.decode()
    select = body.split('name="technician"', 1)[1].split("</select>", 1)[0]
    values = re.findall(r'<option value="(\d+)"', select)
    assert values == [str(crew["on_shift"].pk), str(crew["off"].pk)]
    assert "on shift" in select.split("</option>", 2)[1]
    assert "tech_jr" not in select
    for mode in ("assign", "publish", "round_robin", "head"):
        assert f'name="dispatch" value="{mode}"' in body


# --- 2. bad input: errors beside the fields, status 400, nothing saved -------------------


def test_no_description_is_an_error_beside_it(client, clerk, unit, crew):
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(unit, description="  "))
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"description"}
    assert nothing_saved()


def test_an_appointment_without_its_time_is_an_error_beside_the_time(client, clerk, unit, crew):
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(unit, urgency=Urgency.APPOINTMENT))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors.keys() == {"appointment_at"}
    assert "agreed time" in errors["appointment_at"][0]
    assert nothing_saved()


def test_an_appointment_in_the_past_is_refused(client, clerk, unit, crew):
    client.force_login(clerk)
    past = (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    data = form_data(unit, urgency=Urgency.APPOINTMENT, appointment_at=past)
    response = client.post(reverse(NEW), data)
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"appointment_at"}
    assert nothing_saved()


def test_a_unit_of_another_estate_by_id_is_an_error_not_a_crash(client, clerk, jr, crew):
    elsewhere = UnitFactory(estate=jr)
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(elsewhere))
    assert response.status_code == 400
    assert "unit_id" in response.context["form"].errors
    assert 'data-testid="unit-errors"' in response.content.decode()
    assert nothing_saved()


def test_neither_unit_nor_place_is_an_error_beside_the_place(client, clerk, crew):
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(None, location=""))
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"location"}
    assert nothing_saved()


def test_assigning_needs_a_technician_of_this_estate(client, clerk, unit, crew, jr):
    outsider = make_technician("tech_jr", jr)
    client.force_login(clerk)
    for technician in ("", outsider.pk, clerk.pk):
        response = client.post(
            reverse(NEW), form_data(unit, dispatch="assign", technician=technician)
        )
        assert response.status_code == 400
        assert response.context["form"].errors.keys() == {"technician"}
    assert nothing_saved()


def test_a_bad_phone_number_is_an_error_beside_it(client, clerk, unit, crew):
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(unit, resident_phone="12345"))
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"resident_phone"}


def test_round_robin_with_nobody_on_shift_saves_nothing_and_says_why(
    client, clerk, unit, dept_head, technician
):
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(unit, dispatch="round_robin"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors.keys() == {"dispatch"}
    assert "Nobody of engineering is on shift" in errors["dispatch"][0]
    assert nothing_saved()
    # What was typed is still there.
    body = response.content.decode()
    assert "卫生间水管爆裂" in body and 'value="王五"' in body


def test_a_shift_that_ended_is_nobody_on_shift(client, clerk, unit, dept_head, technician, ch):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=10), tick=False):
        now = timezone.now()
        Shift.objects.create(
            estate=ch, user=technician, starts_at=now, ends_at=now + dt.timedelta(hours=8)
        )
    client.force_login(clerk)
    response = client.post(reverse(NEW), form_data(unit, dispatch="round_robin"))
    assert response.status_code == 400
    assert nothing_saved()


# --- 3. who may use it ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["no_role"])
def test_only_staff_open_the_form(client, user_of, name, unit, crew):
    client.force_login(user_of(name))
    assert client.get(reverse(NEW)).status_code == 403
    assert client.post(reverse(NEW), form_data(unit)).status_code == 403
    assert nothing_saved()


@pytest.mark.parametrize("name", ["technician", "director"])
def test_staff_outside_the_desk_report_but_do_not_dispatch(client, user_of, name, unit, crew):
    client.force_login(user_of(name))
    assert client.get(reverse(NEW)).status_code == 200
    # Dispatching as they save is refused; the desk dispatches.
    assert client.post(reverse(NEW), form_data(unit)).status_code == 400
    assert nothing_saved()


def test_the_engineering_head_reports_and_dispatches(client, user_of, unit, crew):
    client.force_login(user_of("dept_head"))
    assert client.post(reverse(NEW), form_data(unit)).status_code == 302
    assert RepairOrder.objects.get().status == "dispatched"


@pytest.mark.parametrize("name", ["clerk", "duty_officer", "supervisor"])
def test_the_desk_of_the_estate_opens_it(client, user_of, name, crew):
    client.force_login(user_of(name))
    response = client.get(reverse(NEW))
    assert response.status_code == 200
    assert response.context["estate"] == crew["head"].staff_profile.estate


def test_another_estates_complaint_is_a_404(client, clerk, other_clerk, crew):
    theirs = make_complaint(clerk=other_clerk)
    client.force_login(clerk)
    url = f"{reverse(NEW)}?complaint={theirs.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(None, location="大堂")).status_code == 404
    assert client.get(f"{reverse(NEW)}?complaint=abc").status_code == 404
    assert nothing_saved()


def test_a_manager_without_an_estate_picks_it(client, manager, ch, jr, crew):
    client.force_login(manager)
    response = client.get(reverse(NEW), {"estate": jr.pk})
    assert response.status_code == 200 and response.context["estate"] == jr
    assert client.get(reverse(NEW), {"estate": "x"}).status_code == 404
    data = form_data(None, location="大堂", dispatch="head")
    response = client.post(f"{reverse(NEW)}?estate={ch.pk}", data)
    assert response.status_code == 302
    assert RepairOrder.objects.get().estate == ch


# --- 4. from a complaint, and from the intake desk -----------------------------------------


def test_a_complaint_prefills_the_form_and_the_order_is_linked_both_ways(
    client, clerk, unit, crew, dept_head
):
    c = make_complaint(
        clerk=clerk, unit=unit, description="楼上漏水，天花板滴水", resident_name="张三"
    )
    client.force_login(clerk)
    url = f"{reverse(NEW)}?complaint={c.pk}"
    response = client.get(url)
    form = response.context["form"]
    assert form.initial["unit_id"] == unit.pk
    assert form.initial["description"] == "楼上漏水，天花板滴水"
    assert form.initial["resident_name"] == "张三"
    assert "source" not in form.fields  # from the complaint: nothing to choose
    body = response.content.decode()
    assert 'data-testid="from-complaint"' in body and c.number in body
    assert f'action="{url}"' in body  # the complaint rides along with the post

    data = form_data(unit, description="天花板渗水，查楼上管道", dispatch="publish")
    del data["source"]
    response = client.post(url, data)
    assert response.status_code == 302
    o = RepairOrder.objects.get()
    assert (o.complaint, o.source) == (c, Source.COMPLAINT)

    page = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    card = page.split('data-testid="repair-orders"', 1)[1]
    assert o.number in card and reverse("repairs:detail", args=[o.pk]) in card


def test_an_anonymous_complaint_gives_no_name(client, clerk, crew, ch):
    c = make_complaint(clerk=clerk, anonymous=True, resident_name="", resident_phone="")
    client.force_login(clerk)
    form = client.get(reverse(NEW), {"complaint": c.pk}).context["form"]
    assert not form.initial.get("resident_name") and not form.initial.get("resident_phone")
    assert c.status == ComplaintStatus.RECEIVED


def test_the_intake_desk_carries_the_unit_and_what_was_typed(client, clerk, unit, crew):
    client.force_login(clerk)
    response = client.get(
        reverse(NEW),
        {"unit": unit.pk, "name": "王五", "phone": "13812345678", "description": "灯不亮"},
    )
    form = response.context["form"]
    assert form.initial["unit_id"] == unit.pk
    assert (form.initial["resident_name"], form.initial["resident_phone"]) == (
        "王五",
        "13812345678",
    )
    assert form.initial["description"] == "灯不亮"
    body = response.content.decode()
    assert 'data-testid="unit-attached"' in body and unit.label in body


def test_a_unit_alone_brings_its_only_resident(client, clerk, unit, crew):
    client.force_login(clerk)
    form = client.get(reverse(NEW), {"unit": unit.pk}).context["form"]
    assert (form.initial["resident_name"], form.initial["resident_phone"]) == (
        "赵六",
        "13700001502",
    )


def test_a_unit_of_another_estate_in_the_query_is_ignored(client, clerk, jr, crew):
    client.force_login(clerk)
    elsewhere = UnitFactory(estate=jr)
    response = client.get(reverse(NEW), {"unit": elsewhere.pk})
    assert response.status_code == 200
    assert response.context["unit"] is None


def test_without_javascript_the_unit_search_lists_units_that_reload_the_form(
    client, clerk, unit, crew
):
    client.force_login(clerk)
    body = client.get(reverse(NEW), {"q": "3-2-201"}).content.decode()
    matches = body.split('data-testid="unit-matches"', 1)[1].split("</ul>", 1)[0]
    assert f'href="?unit={unit.pk}"' in matches


def test_the_page_loads_its_script_with_the_csp_nonce(client, clerk, crew):
    client.force_login(clerk)
    response = client.get(reverse(NEW))
    script = re.search(
        r'<script src="[^"]*/js/repair_new\.js" nonce="([^"]+)"', response.content.decode()
    )
    assert script and script.group(1) in response["Content-Security-Policy"]


# --- 5. the unit's repair history ------------------------------------------------------------


def test_the_history_lists_the_last_12_months_newest_first(client, clerk, unit, crew, ch):
    with time_machine.travel(timezone.now() - dt.timedelta(days=400)):
        old = make_order(clerk=clerk, unit=unit, description="很久以前")
    with time_machine.travel(timezone.now() - dt.timedelta(days=40)):
        earlier = make_order(clerk=clerk, unit=unit, fault=Fault.POWER)
    latest = make_order(clerk=clerk, unit=unit, fault=Fault.DOOR_LOCK)
    other_unit = make_order(clerk=clerk, unit=UnitFactory(estate=ch))
    client.force_login(clerk)
    response = client.get(reverse("repairs:history"), {"unit": unit.pk})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.index(latest.number) < body.index(earlier.number)
    assert old.number not in body and other_unit.number not in body
    assert f'data-unit-id="{unit.pk}"' in body and 'data-resident-name="赵六"' in body


def test_the_history_is_one_query_however_many_orders(
    client, clerk, unit, crew, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clerk)
    url = reverse("repairs:history")
    make_order(clerk=clerk, unit=unit)
    client.get(url, {"unit": unit.pk})  # the session and the user, cached afterwards
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"unit": unit.pk})
    for _ in range(4):
        o = make_order(clerk=clerk, unit=unit)
        from repairs import services

        services.repair_dispatch(actor=clerk, order_id=o.pk, technician=crew["off"])
    with CaptureQueriesContext(connection) as five:
        body = client.get(url, {"unit": unit.pk}).content.decode()
    assert body.count("data-repair=") == 5
    assert len(five) == len(one)


def test_the_history_of_another_estates_unit_is_a_404(client, clerk, jr, technician, unit):
    client.force_login(clerk)
    url = reverse("repairs:history")
    assert client.get(url, {"unit": UnitFactory(estate=jr).pk}).status_code == 404
    assert client.get(url, {"unit": "x"}).status_code == 404
    nothing = client.get(url)
    assert nothing.status_code == 200 and nothing.content == b""
    client.force_login(technician)
    assert client.get(url, {"unit": unit.pk}).status_code == 200


def test_the_history_is_not_for_someone_without_a_role(client, no_role, unit):
    client.force_login(no_role)
    assert client.get(reverse("repairs:history"), {"unit": unit.pk}).status_code == 403


def test_the_form_shows_the_chosen_units_history(client, clerk, unit, crew):
    earlier = make_order(clerk=clerk, unit=unit)
    client.force_login(clerk)
    body = client.get(reverse(NEW), {"unit": unit.pk}).content.decode()
    history = body.split('id="unit-history-card"', 1)[1]
    assert earlier.number in history


def test_a_complaint_at_informed_is_still_linked(client, clerk, dept_head, unit, crew):
    """A complaint whose resident was told can still get its repair order."""
    c = at_status(ComplaintStatus.INFORMED, clerk=clerk, head=dept_head, unit=unit)
    client.force_login(clerk)
    data = form_data(unit, dispatch="head")
    del data["source"]
    assert client.post(f"{reverse(NEW)}?complaint={c.pk}", data).status_code == 302
    assert RepairOrder.objects.get().complaint == c


def test_staff_outside_the_desk_report_a_repair_for_the_desk_to_dispatch(client, ch, clerk):
    """A technician (or any staff member of the estate) reports what he finds on a
    patrol; it is not dispatched by him: it goes to the desk (SPEC §5)."""
    from django.conf import settings

    from staff.models import Notification
    from tests.factories.repairs import make_technician
    from tests.factories.staff import UnitFactory

    tech = make_technician("tech_patrol", ch)
    client.force_login(tech)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("repairs:new")).content.decode()
    assert 'value="head"' in page and 'value="assign"' not in page
    unit = UnitFactory(estate=ch)
    r = client.post(
        reverse("repairs:new"),
        {
            "unit_id": unit.pk,
            "description": "巡查发现楼道灯不亮",
            "fault": "power",
            "urgency": "urgent",
            "kind": "free",
            "source": "patrol",
            "dispatch": "head",
        },
    )
    assert r.status_code == 302
    o = RepairOrder.objects.get()
    assert o.status == "reported" and o.source == "patrol" and o.reported_by == tech
    assert Notification.objects.filter(recipient=clerk, link__contains=f"/{o.pk}/").exists()
    # He cannot dispatch it by posting the choice by hand.
    r = client.post(
        reverse("repairs:new"),
        {
            "unit_id": unit.pk,
            "description": "又一处",
            "fault": "power",
            "urgency": "urgent",
            "kind": "free",
            "source": "patrol",
            "dispatch": "publish",
        },
    )
    assert r.status_code == 400
    assert RepairOrder.objects.count() == 1
