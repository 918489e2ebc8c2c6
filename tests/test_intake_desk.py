"""The intake desk, faster: the unit looked up as the clerk types, the category's default
department, "save and take the next one", the repeat prompt, "stop the harm first", the
one-field dates, the keyboard order and the free-text caps."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from complaints import limits, selectors, services
from complaints.forms import IntakeForm
from complaints.models import (
    Category,
    CategoryDepartment,
    Complaint,
    ComplaintEvent,
    EventKind,
    Status,
)
from staff.models import Delivery, Department, Notification
from staff.roles import Role
from tests.factories.complaints import department, make_complaint
from tests.factories.staff import ResidentFactory, UnitFactory, make_staff

pytestmark = pytest.mark.usefixtures("sent_tasks")

SH = ZoneInfo("Asia/Shanghai")
INTAKE = "complaints:intake"


@pytest.fixture
def eng(dept_head):
    return dept_head.staff_profile.department


@pytest.fixture
def unit(ch):
    u = UnitFactory(estate=ch, building="3", entrance="2", room="201")
    ResidentFactory(unit=u, name="赵六", phone="13700001502")
    return u


@pytest.fixture
def intake_data(eng):
    return {
        "channel": "phone",
        "category": Category.ENGINEERING,
        "grade": "minor",
        "description": "卫生间顶棚漏水",
        "resident_name": "王五",
        "resident_phone": "13812345678",
        "outcome": "route",
        "department": eng.pk,
    }


def _tag(body: str, name: str) -> str:
    match = re.search(rf'<(?:input|textarea|select)\b[^>]*\bname="{name}"[^>]*>', body)
    assert match, name
    return match.group(0)


# --- 1. the unit looked up as the clerk types ------------------------------------------


@pytest.mark.parametrize(
    "term",
    ["3-2-201", "3栋2单元201", "3栋2单元201室", "Bldg 3, unit 2, room 201", "201", "赵六", "1502"],
    ids=["dashes", "chinese", "chinese with 室", "english label", "room", "name", "phone last 4"],
)
def test_the_lookup_finds_the_unit_by_every_spelling_the_clerk_uses(ch, unit, term):
    UnitFactory(estate=ch, building="4", entrance="2", room="202")  # not this one
    found = selectors.unit_lookup(estate_id=ch.pk, term=term)
    assert found.units == [unit]
    assert found.total == 1 and not found.cut


def test_the_lookup_finds_the_unit_by_its_label_as_shown_in_chinese(ch, unit):
    with translation.override("zh-hans"):
        label = unit.label
    assert label == "3栋2单元201室"
    assert selectors.unit_lookup(estate_id=ch.pk, term=label).units == [unit]


def test_an_address_does_not_match_another_entrance_or_estate(ch, jr, unit):
    UnitFactory(estate=ch, building="3", entrance="1", room="201")
    UnitFactory(estate=jr, building="3", entrance="2", room="201")
    assert selectors.unit_lookup(estate_id=ch.pk, term="3-2-201").units == [unit]


def test_the_endpoint_says_when_results_are_cut(client, clerk, ch):
    for n in range(12):
        UnitFactory(estate=ch, building="1", entrance="1", room=f"8{n:02d}")
    client.force_login(clerk)
    response = client.get(reverse("complaints:intake_units"), {"q": "8"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="unit-pick"') == 10
    cut = body.split('data-testid="unit-matches-cut"', 1)[1]
    assert "10" in cut and "12" in cut
    assert "<html" not in body  # a fragment, not a page


def test_the_endpoint_is_for_the_desk_of_the_users_own_estate(client, clerk, dept_head, jr):
    UnitFactory(estate=jr, building="A", entrance="", room="1502")
    client.force_login(clerk)
    body = client.get(reverse("complaints:intake_units"), {"q": "1502"}).content.decode()
    assert "unit-pick" not in body
    client.force_login(dept_head)
    assert client.get(reverse("complaints:intake_units"), {"q": "1502"}).status_code == 403
    assert client.get(reverse("complaints:intake_history"), {"phone": "1"}).status_code == 403


def test_choosing_a_unit_returns_its_history_and_what_attaches_it(client, clerk, unit):
    old = make_complaint(clerk=clerk, unit=unit, resident_phone="13700001502")
    client.force_login(clerk)
    body = client.get(reverse("complaints:intake_history"), {"unit": unit.pk}).content.decode()
    assert f'data-unit-id="{unit.pk}"' in body
    assert 'data-resident-name="赵六"' in body and 'data-resident-phone="13700001502"' in body
    assert old.number in body


def test_a_full_known_phone_number_shows_that_units_history_and_attaches_it(
    client, clerk, unit, ch
):
    old = make_complaint(clerk=clerk, unit=unit, resident_phone="13911112222")
    client.force_login(clerk)
    url = reverse("complaints:intake_history")
    body = client.get(url, {"phone": "137 0000 1502"}).content.decode()
    assert f'data-unit-id="{unit.pk}"' in body and old.number in body
    # A partial or unknown number attaches nothing.
    assert "data-unit-id" not in client.get(url, {"phone": "1370000"}).content.decode()
    assert client.get(url, {"phone": "13800000000"}).content.decode().strip() == ""


def test_without_javascript_the_server_side_search_still_lists_the_units(client, clerk, unit):
    client.force_login(clerk)
    body = client.get(reverse(INTAKE), {"q": "3-2-201"}).content.decode()
    matches = body.split('data-testid="unit-matches"', 1)[1].split("</ul>", 1)[0]
    assert f'href="?unit={unit.pk}"' in matches


def test_the_page_loads_the_desks_script_with_the_csp_nonce(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse(INTAKE))
    body = response.content.decode()
    script = re.search(r'<script src="[^"]*/js/intake\.js" nonce="([^"]+)"', body)
    assert script, "intake.js is not loaded with a nonce"
    assert script.group(1) in response["Content-Security-Policy"]
    assert "cdn" not in body.lower()


# --- 2. the category's default department --------------------------------------------------


def test_departments_are_shown_without_the_estate_prefix(clerk, ch, eng):
    form = IntakeForm(estate=ch, defaults={})
    labels = [label for _, label in form.fields["department"].choices]
    assert eng.name in labels
    assert not [label for label in labels if ch.name in str(label)]
    targets = [label for _, label in form.fields["target_department"].choices]
    assert eng.name in targets


def test_a_category_defaults_to_the_department_of_its_kind_unless_the_map_says_otherwise(
    ch, eng, cleaning
):
    finance = department(ch, Department.Kind.FINANCE)
    defaults = selectors.default_departments(estate_id=ch.pk)
    assert defaults[Category.ENGINEERING] == eng.pk
    assert defaults[Category.FEES] == finance.pk
    CategoryDepartment.objects.create(estate=ch, category=Category.FEES, department=cleaning)
    assert selectors.default_departments(estate_id=ch.pk)[Category.FEES] == cleaning.pk


def test_the_form_carries_the_map_and_preselects_on_first_render(client, clerk, ch, cleaning):
    CategoryDepartment.objects.create(estate=ch, category=Category.PARKING, department=cleaning)
    client.force_login(clerk)
    body = client.get(reverse(INTAKE), {"category": Category.PARKING}).content.decode()
    category = _tag(body, "category")
    mapping = json.loads(
        re.search(r"data-default-departments=\"([^\"]*)\"", category)
        .group(1)
        .replace("&quot;", '"')
    )
    assert mapping[Category.PARKING] == cleaning.pk
    select = body.split('name="department"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{cleaning.pk}" selected>' in select


@pytest.mark.urls("tests.intake_admin_urls")
def test_managers_edit_the_map_in_the_admin(client, manager, ch, jr, cleaning):
    client.force_login(manager)
    changelist = reverse("admin:complaints_categorydepartment_changelist")
    assert client.get(changelist).status_code == 200
    add = reverse("admin:complaints_categorydepartment_add")
    ok = client.post(
        add, {"estate": ch.pk, "category": Category.CLEANING, "department": cleaning.pk}
    )
    assert ok.status_code == 302
    assert CategoryDepartment.objects.get().department == cleaning
    elsewhere = department(jr, Department.Kind.CLEANING)
    refused = client.post(
        add, {"estate": ch.pk, "category": Category.PARKING, "department": elsewhere.pk}
    )
    assert refused.status_code == 200
    assert CategoryDepartment.objects.count() == 1


def test_the_demo_map_is_made_once(ch, eng, cleaning):
    call_command("seed_category_departments")
    call_command("seed_category_departments")
    rows = dict(
        CategoryDepartment.objects.filter(estate=ch).values_list("category", "department_id")
    )
    assert rows == {Category.ENGINEERING: eng.pk, Category.CLEANING: cleaning.pk}


# --- 3. save and take the next one -------------------------------------------------------------


def test_save_and_take_the_next_one_returns_an_empty_form_naming_the_saved_complaint(
    client, clerk, intake_data
):
    client.force_login(clerk)
    response = client.post(reverse(INTAKE), {**intake_data, "next": "1"})
    c = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(INTAKE)
    page = client.get(response["Location"])
    body = page.content.decode()
    assert c.number in body
    assert c.status == Status.ROUTED
    assert 'value="王五"' not in _tag(body, "resident_name")
    assert "卫生间顶棚漏水" not in body.split('id="intake-form"', 1)[1]


def test_plain_save_still_opens_the_complaint(client, clerk, intake_data):
    client.force_login(clerk)
    response = client.post(reverse(INTAKE), intake_data)
    c = Complaint.objects.get()
    assert response["Location"] == reverse("complaints:detail", args=[c.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)][0].count(c.number) == 1


# --- 4. a matter raised again ----------------------------------------------------------------


@pytest.fixture
def earlier(clerk, unit):
    return make_complaint(clerk=clerk, unit=unit, description="上次漏水没修好")


def test_linking_a_repeat_asks_whether_to_escalate_and_saves_nothing_until_answered(
    client, clerk, earlier, intake_data, unit
):
    client.force_login(clerk)
    before = Complaint.objects.count()
    response = client.post(
        reverse(INTAKE), {**intake_data, "unit_id": unit.pk, "link_repeat": earlier.pk}
    )
    assert response.status_code == 400
    assert Complaint.objects.count() == before
    assert "repeat_escalation" in response.context["form"].errors
    prompt = response.content.decode().split('data-testid="repeat-prompt"', 1)[1]
    prompt = prompt.split("</fieldset>", 1)[0]
    assert earlier.number in prompt and "上次漏水没修好" in prompt
    assert f'value="{earlier.pk}"' in _tag(response.content.decode(), "repeat_of_id")


def test_escalating_a_repeat_logs_who_and_tells_the_supervisors(
    client, clerk, supervisor, director, earlier, intake_data, unit
):
    client.force_login(clerk)
    response = client.post(
        reverse(INTAKE),
        {
            **intake_data,
            "unit_id": unit.pk,
            "repeat_of_id": earlier.pk,
            "repeat_escalation": "supervisor",
        },
    )
    assert response.status_code == 302
    c = Complaint.objects.exclude(pk=earlier.pk).get()
    assert c.repeat_of == earlier
    event = c.events.get(kind=EventKind.REPEAT_PROMPTED)
    assert event.actor == clerk
    assert event.data == {"repeat_of": earlier.number, "escalated": True, "to": "supervisor"}
    told = set(
        Notification.objects.filter(key__contains="repeat").values_list("recipient", flat=True)
    )
    assert told == {supervisor.pk}


def test_escalating_a_repeat_to_the_director_tells_the_director_and_supervisors(
    clerk, supervisor, director, earlier, eng
):
    c = services.complaint_intake(
        actor=clerk,
        estate=earlier.estate,
        outcome="route",
        department=eng,
        repeat_escalation="office_director",
        channel="phone",
        category=Category.ENGINEERING,
        grade="minor",
        description="又漏水",
        resident_name="王五",
        repeat_of=earlier,
    )
    told = set(
        Notification.objects.filter(key__contains="repeat").values_list("recipient", flat=True)
    )
    assert told == {supervisor.pk, director.pk}
    assert c.events.get(kind=EventKind.REPEAT_PROMPTED).data["to"] == "office_director"


def test_not_escalating_a_repeat_is_logged_and_tells_nobody(clerk, supervisor, earlier, eng):
    c = services.complaint_intake(
        actor=clerk,
        estate=earlier.estate,
        outcome="route",
        department=eng,
        repeat_escalation="no",
        channel="phone",
        category=Category.ENGINEERING,
        grade="minor",
        description="又漏水",
        resident_name="王五",
        repeat_of=earlier,
    )
    event = c.events.get(kind=EventKind.REPEAT_PROMPTED)
    assert (event.actor, event.data["escalated"], event.data["to"]) == (clerk, False, None)
    assert not Notification.objects.filter(key__contains="repeat").exists()


def test_the_service_refuses_a_linked_repeat_without_an_answer(clerk, earlier, eng):
    with pytest.raises(ValidationError) as refused:
        services.complaint_intake(
            actor=clerk,
            estate=earlier.estate,
            outcome="route",
            department=eng,
            channel="phone",
            category=Category.ENGINEERING,
            grade="minor",
            description="又漏水",
            resident_name="王五",
            repeat_of=earlier,
        )
    assert "repeat_escalation" in refused.value.error_dict
    assert earlier.number in refused.value.error_dict["repeat_escalation"][0].messages[0]


# --- 5. stop the harm first ---------------------------------------------------------------------


@pytest.fixture
def duty_with_email(duty_officer):
    duty_officer.email = "duty@example.com"
    duty_officer.save(update_fields=["email"])
    return duty_officer


def test_stop_the_harm_first_alerts_the_chosen_departments_head_and_the_duty_officer(
    client, clerk, head_with_email, duty_with_email, intake_data, ch
):
    ch.wecom_webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"
    ch.save(update_fields=["wecom_webhook"])
    client.force_login(clerk)
    response = client.post(reverse(INTAKE), {**intake_data, "stop_harm_first": "on"})
    assert response.status_code == 302
    c = Complaint.objects.get()
    assert c.stop_harm_first is True
    alerted = Notification.objects.filter(key=f"complaint:{c.pk}:stop-harm")
    assert set(alerted.values_list("recipient", flat=True)) == {
        head_with_email.pk,
        duty_with_email.pk,
    }
    deliveries = Delivery.objects.filter(key__startswith=f"complaint:{c.pk}:stop-harm")
    assert set(deliveries.values_list("channel", "target")) == {
        ("email", "eng@example.com"),
        ("email", "duty@example.com"),
        ("wecom", ch.wecom_webhook),
    }
    kinds = list(c.events.order_by("id").values_list("kind", flat=True))
    # Alerted before the routing: at once, not after grading and routing are done.
    assert kinds.index(EventKind.HARM_ALERTED) < kinds.index(EventKind.ROUTED)
    event = c.events.get(kind=EventKind.HARM_ALERTED)
    assert event.actor == clerk and event.data["department_id"] == c.department_id


def test_stop_the_harm_first_without_a_department_alerts_the_engineering_head(
    clerk, dept_head, duty_officer, cleaning
):
    other_head = make_staff("clean_head", Role.DEPARTMENT_HEAD, clerk.staff_profile.estate)
    other_head.staff_profile.department = cleaning
    other_head.staff_profile.save()
    c = services.complaint_intake(
        actor=clerk,
        estate=clerk.staff_profile.estate,
        outcome="on_the_spot",
        outcome_note="已关闭总阀",
        channel="phone",
        category=Category.ENGINEERING,
        grade="important",
        description="水管爆裂，正在淹水",
        resident_name="王五",
        stop_harm_first=True,
    )
    told = set(
        Notification.objects.filter(key=f"complaint:{c.pk}:stop-harm").values_list(
            "recipient", flat=True
        )
    )
    assert told == {dept_head.pk, duty_officer.pk}


def test_without_the_flag_nobody_is_alerted(client, clerk, duty_officer, intake_data):
    client.force_login(clerk)
    client.post(reverse(INTAKE), intake_data)
    c = Complaint.objects.get()
    assert c.stop_harm_first is False
    assert not Notification.objects.filter(key__endswith="stop-harm").exists()
    assert not ComplaintEvent.objects.filter(kind=EventKind.HARM_ALERTED).exists()


# --- 6. keyboard and dates -----------------------------------------------------------------------


def test_the_form_is_in_the_order_of_a_phone_call_with_the_save_buttons_after_the_department(
    client, clerk
):
    client.force_login(clerk)
    body = client.get(reverse(INTAKE)).content.decode()
    form = body.split('id="intake-form"', 1)[1]
    controls = re.findall(r'<(?:input|textarea|select|button)\b[^>]*\bname="(\w+)"', form)
    # The repeat prompt (hidden until a repeat is linked) comes first when it shows.
    skip = ("csrfmiddlewaretoken", "unit_id", "repeat_of_id", "repeat_escalation")
    controls = [c for c in controls if c not in skip]
    assert controls[:8] == [
        "channel",
        "category",
        "grade",
        "description",
        "resident_name",
        "resident_phone",
        "department",
        "next",  # the plain save button has no name; "save and take the next one" follows it
    ]
    first_button = form.index('data-testid="save"')
    assert form.index('name="department"') < first_button < form.index('name="demand"')
    assert "autofocus" in _tag(body, "channel")
    assert 'data-testid="shortcut-hint"' in body and 'accesskey="s"' in body


T_DAY = dt.datetime(2026, 12, 1, 16, 0, tzinfo=SH)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-01 14:30", dt.datetime(2026, 12, 1, 14, 30, tzinfo=SH)),
        ("12-01 14:30", dt.datetime(2026, 12, 1, 14, 30, tzinfo=SH)),
        ("14:30", dt.datetime(2026, 12, 1, 14, 30, tzinfo=SH)),
        ("11-30 9:05", dt.datetime(2026, 11, 30, 9, 5, tzinfo=SH)),
        ("2026-11-30T09:05", dt.datetime(2026, 11, 30, 9, 5, tzinfo=SH)),
    ],
)
def test_the_incident_time_is_one_text_field(ch, typed, expected):
    with time_machine.travel(T_DAY, tick=False):
        form = IntakeForm({"incident_at": typed}, estate=ch, defaults={})
        form.is_valid()
        assert "incident_at" not in form.errors
        assert form.cleaned_data["incident_at"] == expected


def test_a_time_alone_is_today_on_either_side_of_midnight(ch):
    with time_machine.travel(dt.datetime(2026, 12, 1, 23, 59, tzinfo=SH), tick=False):
        before = IntakeForm({"incident_at": "08:00"}, estate=ch, defaults={})
        before.is_valid()
    with time_machine.travel(dt.datetime(2026, 12, 2, 0, 0, tzinfo=SH), tick=False):
        after = IntakeForm({"incident_at": "08:00"}, estate=ch, defaults={})
        after.is_valid()
    assert before.cleaned_data["incident_at"].date() == dt.date(2026, 12, 1)
    assert after.cleaned_data["incident_at"].date() == dt.date(2026, 12, 2)


def test_a_month_and_day_ahead_of_today_is_last_year_for_the_incident(ch):
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 30, tzinfo=SH), tick=False):
        form = IntakeForm({"incident_at": "12-31 23:00"}, estate=ch, defaults={})
        form.is_valid()
    assert form.cleaned_data["incident_at"] == dt.datetime(2026, 12, 31, 23, 0, tzinfo=SH)


@pytest.mark.parametrize("typed", ["25:00", "13-01 10:00", "昨天", "12-01"])
def test_an_unreadable_incident_time_is_a_type_error_beside_the_field(ch, typed):
    form = IntakeForm({"incident_at": typed}, estate=ch, defaults={})
    form.is_valid()
    assert "incident_at" in form.errors


def test_the_requested_deadline_is_one_text_field_too(ch):
    with time_machine.travel(T_DAY, tick=False):
        form = IntakeForm({"requested_deadline": "12-05"}, estate=ch, defaults={})
        form.is_valid()
    assert form.cleaned_data["requested_deadline"] == dt.date(2026, 12, 5)


def test_a_future_incident_time_is_still_refused_by_the_service(client, clerk, intake_data):
    client.force_login(clerk)
    with time_machine.travel(T_DAY, tick=False):
        response = client.post(reverse(INTAKE), {**intake_data, "incident_at": "18:00"})
    assert response.status_code == 400
    assert "incident_at" in response.context["form"].errors


# --- 7. free-text caps -------------------------------------------------------------------


def test_the_textareas_carry_their_limit_and_a_visible_count(client, clerk):
    client.force_login(clerk)
    body = client.get(reverse(INTAKE)).content.decode()
    for name, limit in (
        ("description", limits.DESCRIPTION),
        ("demand", limits.DEMAND),
        ("outcome_note", limits.NOTE),
    ):
        assert f'maxlength="{limit}"' in _tag(body, name)
        counter = re.search(rf'data-count-for="id_{name}"[^>]*>(.*?)</div>', body, re.S)
        assert counter and f"/ {limit}" in counter.group(1)


def test_a_too_long_description_is_refused_by_the_service_not_the_form(client, clerk, intake_data):
    long_text = "漏" * (limits.DESCRIPTION + 1)
    assert IntakeForm(
        {**intake_data, "description": long_text}, estate=clerk.staff_profile.estate, defaults={}
    ).is_valid()
    client.force_login(clerk)
    response = client.post(reverse(INTAKE), {**intake_data, "description": long_text})
    assert response.status_code == 400
    assert "description" in response.context["form"].errors
    assert timezone.now()  # nothing saved
    assert not Complaint.objects.exists()


# --- 8. a repair, not a complaint -----------------------------------------------------------


def _repair_switch(body: str) -> str:
    match = re.search(r'<a\b[^>]*data-testid="repair-switch"[^>]*>', body)
    assert match, "no repair switch"
    return html.unescape(match.group(0))


def test_the_first_question_is_whether_it_is_a_repair_alt_r(client, clerk):
    client.force_login(clerk)
    body = client.get(reverse(INTAKE)).content.decode()
    link = _repair_switch(body)
    assert 'accesskey="r"' in link
    assert f'href="{reverse("repairs:new")}"' in link
    # It comes before the form, so the clerk meets it first.
    assert body.index('data-testid="repair-switch"') < body.index('id="intake-form"')


def test_the_repair_switch_carries_the_unit_chosen_without_javascript(client, clerk, unit):
    client.force_login(clerk)
    body = client.get(reverse(INTAKE), {"unit": unit.pk}).content.decode()
    href = re.search(r'href="([^"]+)"', _repair_switch(body)).group(1)
    query = parse_qs(urlsplit(href).query)
    assert query["unit"] == [str(unit.pk)]
    # The unit's only resident, as the intake form prefills them.
    assert query["name"] == ["赵六"] and query["phone"] == ["13700001502"]


def test_the_repair_switch_carries_what_was_typed_after_a_refused_save(
    client, clerk, unit, intake_data
):
    client.force_login(clerk)
    data = {**intake_data, "unit_id": unit.pk, "category": "", "description": "水管爆了"}
    response = client.post(reverse(INTAKE), data)
    assert response.status_code == 400
    href = re.search(r'href="([^"]+)"', _repair_switch(response.content.decode())).group(1)
    query = parse_qs(urlsplit(href).query)
    assert query["unit"] == [str(unit.pk)]
    assert (query["name"], query["phone"]) == (["王五"], ["13812345678"])
    assert query["description"] == ["水管爆了"]
    # The repair form takes them as they come.
    form = client.get(href).context["form"]
    assert (form.initial["unit_id"], form.initial["resident_name"]) == (unit.pk, "王五")


def test_the_history_panel_lists_the_units_repair_orders(client, clerk, unit, ch):
    from tests.factories.repairs import make_order

    with time_machine.travel(timezone.now() - dt.timedelta(days=200)):
        old_closed = make_order(clerk=clerk, unit=unit, description="很久以前")
        services_closed_not_a_repair(old_closed, clerk)
    recent = make_order(clerk=clerk, unit=unit, fault="power", description="跳闸")
    elsewhere = make_order(clerk=clerk, unit=UnitFactory(estate=ch))
    client.force_login(clerk)
    body = client.get(reverse("complaints:intake_history"), {"unit": unit.pk}).content.decode()
    repairs = body.split('data-testid="unit-repairs"', 1)[1]
    assert recent.number in repairs
    assert reverse("repairs:detail", args=[recent.pk]) in repairs
    assert old_closed.number not in repairs and elsewhere.number not in repairs
    # The intake page itself shows the same panel.
    page = client.get(reverse(INTAKE), {"unit": unit.pk}).content.decode()
    assert recent.number in page.split('id="unit-history-slot"', 1)[1]


def services_closed_not_a_repair(order, clerk):
    from repairs import services as repair_services

    repair_services.repair_not_a_repair(actor=clerk, order_id=order.pk, note="教住户复位开关")


def test_an_old_order_still_open_stays_in_the_panel(client, clerk, unit):
    from tests.factories.repairs import make_order

    with time_machine.travel(timezone.now() - dt.timedelta(days=200)):
        old_open = make_order(clerk=clerk, unit=unit)
    client.force_login(clerk)
    body = client.get(reverse("complaints:intake_history"), {"unit": unit.pk}).content.decode()
    assert old_open.number in body


def test_the_history_panel_costs_the_same_queries_however_many_repairs(client, clerk, unit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories.repairs import make_order

    make_complaint(clerk=clerk, unit=unit)
    make_order(clerk=clerk, unit=unit)
    client.force_login(clerk)
    url = reverse("complaints:intake_history")
    client.get(url, {"unit": unit.pk})
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"unit": unit.pk})
    for _ in range(5):
        make_order(clerk=clerk, unit=unit)
    with CaptureQueriesContext(connection) as six:
        body = client.get(url, {"unit": unit.pk}).content.decode()
    assert body.count("data-repair=") == 6
    assert len(six) == len(one)
