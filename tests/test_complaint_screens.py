"""The complaint screens as their users found them: closed complaints without a live
clock, deadlines met late, the handling log in words, the queue's 签收, the action
forms, extension decisions, and whoever loses a race to another user."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from complaints import events, services
from complaints.models import Complaint, EventKind, Extension, Grade, Status
from complaints.templatetags.complaints_tags import event_detail
from staff.models import Department
from staff.roles import Role
from tests.complaint_helpers import T0, request_extension
from tests.factories.complaints import advance, department, make_complaint
from tests.factories.staff import make_staff

MINUTE = dt.timedelta(minutes=1)


def _clock(body: str, name: str) -> str:
    """The state a page shows for clock ``name`` (data-state of its badge)."""
    cell = body.split(f'data-testid="clock-{name}"', 1)[1].split("</dd>", 1)[0]
    match = re.search(r'data-state="(\w+)"', cell)
    assert match, cell
    return match.group(1)


def _states(html: str) -> list[str]:
    """The complaint's own clock states: the callback's card (a clock of its own, which
    runs once the complaint is closed) is left out."""
    html = re.sub(r'<section class="card callback-card.*?</section>', "", html, flags=re.S)
    return re.findall(r'data-state="(\w+)"', html)


def _row(body: str, c: Complaint) -> str:
    """A list's row of complaint ``c``."""
    rows = body.split('data-testid="complaint-row"')[1:]
    return next(r.split("</tr>", 1)[0] for r in rows if c.number in r)


def _section(body: str, testid: str) -> str:
    return body.split(f'data-testid="{testid}"', 1)[1].split("</form>", 1)[0]


# --- 1. a complaint closed on the spot has no live clock -------------------------------


@pytest.fixture
def closed_on_the_spot(clerk):
    with time_machine.travel(T0, tick=False):
        c = make_complaint(clerk=clerk)
    with time_machine.travel(T0 + 2 * MINUTE, tick=False):
        services.complaint_close_on_the_spot(actor=clerk, complaint_id=c.pk, note="当场更换灯泡")
    c.refresh_from_db()
    assert c.route_due == T0 + 10 * MINUTE and c.signed_at is None
    return c


@pytest.mark.parametrize(
    "minutes", [8, 10, 11, 60 * 24 * 5], ids=["due soon", "at the deadline", "after", "days"]
)
def test_complaint_closed_on_the_spot_shows_no_live_clock(
    client, clerk, supervisor, closed_on_the_spot, minutes
):
    c = closed_on_the_spot
    client.force_login(supervisor)
    with time_machine.travel(T0 + minutes * MINUTE, tick=False):
        detail = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
        printed = client.get(reverse("complaints:print", args=[c.pk])).content.decode()
        listed = client.get(reverse("complaints:list")).content.decode()

    assert _clock(detail, "route") == "stopped"
    for page in (detail, printed, _row(listed, c)):
        assert not {"running", "soon", "overdue"} & set(_states(page))


# --- 2. a deadline met late -----------------------------------------------------------


@pytest.fixture
def routed_at_t0(clerk, dept_head):
    with time_machine.travel(T0, tick=False):
        return advance(make_complaint(clerk=clerk), to="routed", clerk=clerk, head=dept_head)


@pytest.mark.parametrize(
    ("signed_after", "state"),
    [(10 * MINUTE, "met"), (10 * MINUTE + dt.timedelta(seconds=1), "late"), (35 * MINUTE, "late")],
    ids=["at the deadline", "a second after", "25 minutes after"],
)
def test_signing_after_the_routing_deadline_shows_done_late(
    client, dept_head, routed_at_t0, signed_after, state
):
    c = routed_at_t0
    with time_machine.travel(T0 + signed_after, tick=False):
        services.complaint_sign(actor=dept_head, complaint_id=c.pk)
    client.force_login(dept_head)
    with translation.override("en"):
        body = client.get(
            reverse("complaints:detail", args=[c.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert _clock(body, "route") == state
    if signed_after == 35 * MINUTE:
        cell = body.split('data-testid="clock-route"', 1)[1].split("</dd>", 1)[0]
        assert "25" in cell  # how late


@pytest.fixture
def closed_late(clerk, dept_head, routed_at_t0):
    """Signed 25 minutes late, then handled, the resident told and closed in time."""
    c = routed_at_t0
    with time_machine.travel(T0 + 35 * MINUTE, tick=False):
        services.complaint_sign(actor=dept_head, complaint_id=c.pk)
        services.complaint_handle(actor=dept_head, complaint_id=c.pk, note="已更换水管")
        services.complaint_inform(actor=clerk, complaint_id=c.pk, method="phone")
        services.complaint_close(actor=clerk, complaint_id=c.pk)
    c.refresh_from_db()
    return c


def test_a_closed_complaint_met_late_shows_done_late_in_lists_and_print(
    client, supervisor, closed_late
):
    client.force_login(supervisor)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        listed = client.get(reverse("complaints:list")).content.decode()
        printed = client.get(reverse("complaints:print", args=[closed_late.pk])).content.decode()
        detail = client.get(reverse("complaints:detail", args=[closed_late.pk])).content.decode()

    row = _row(listed, closed_late)
    assert "late" in _states(row.split('data-testid="row-deadline"', 1)[1])
    assert "met" not in _states(row)
    clocks = printed.split('data-testid="print-clocks"', 1)[1].split("</td>", 1)[0]
    assert _states(clocks)[0] == "late"  # the route clock, first in the clock table
    assert _clock(detail, "route") == "late"
    assert _clock(detail, "resolve") == "met"


def test_each_clock_is_done_at_the_moment_the_clock_table_names(clerk, dept_head):
    """route→signed_at, escalate→escalated_at, answer→informed_at, resolve→handled_at,
    inform→informed_at: read from ComplaintClocks.clocks, not restated."""
    from complaints.clocks import TABLE
    from complaints.templatetags.complaints_tags import clock_states

    c = make_complaint(clerk=clerk, grade=Grade.IMPORTANT)
    c.inform_due = c.resolve_due
    for clock in TABLE.clocks:
        due = getattr(c, clock.due)
        assert due is not None, clock.name
        for done, expected in ((due, "met"), (due + MINUTE, "late")):
            setattr(c, clock.done, done)
            shown = {s.name: s.state for s in clock_states(c, due)}
            if clock.replans:  # "becomes major": shown only while it may still happen
                assert clock.name not in shown
            else:
                assert (clock.name, shown[clock.name]) == (clock.name, expected)
            setattr(c, clock.done, None)


# --- 3. the badges are whole translatable sentences ---------------------------------------


def test_badge_words_are_gettext_literals_not_pieces_of_f_strings():
    """``_()`` inside an f-string is never extracted: 'due soon · 9 分钟'."""
    import ast
    import inspect

    from complaints.templatetags import complaints_tags

    tree = ast.parse(inspect.getsource(complaints_tags))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
            assert not [c for c in calls if getattr(c.func, "id", "") in ("_", "gettext")]
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_", "gettext_lazy"):
            assert all(isinstance(a, ast.Constant) for a in node.args), ast.unparse(node)


@pytest.mark.parametrize(
    ("offset", "msgid"),
    [
        (-2 * dt.timedelta(hours=1), "overdue by %(t)s"),
        (dt.timedelta(minutes=9), "due soon, %(t)s left"),
        (dt.timedelta(days=2), "%(t)s left"),
    ],
)
def test_badges_say_the_time_through_one_placeholder(clerk, offset, msgid):
    from complaints.templatetags.complaints_tags import clock_states

    c = make_complaint(clerk=clerk)
    now = c.resolve_due - offset
    with translation.override("zh-hans"):
        badge = next(s for s in clock_states(c, now) if s.name == "resolve").badge
        words = translation.gettext(msgid).split("%(t)s")
    assert all(part in badge for part in words)
    assert re.search(r"\d\s*(分钟|小时|天|日|周|月)", badge)  # the time, in Chinese


# --- 4. the handling log in words ---------------------------------------------------------


def test_handling_log_names_deadlines_escalations_methods_and_grades(
    client, clerk, dept_head, supervisor
):
    c = advance(
        make_complaint(clerk=clerk, grade=Grade.IMPORTANT),
        to="handled",
        clerk=clerk,
        head=dept_head,
    )
    services.complaint_inform(actor=clerk, complaint_id=c.pk, method="visit", note="")
    services.complaint_regrade(
        actor=supervisor, complaint_id=c.pk, grade=Grade.MAJOR, reason="多次"
    )
    due = c.resolve_due
    events.record(events.overdue(c, clock="resolve", due=due, at=due + MINUTE))
    events.record(events.escalated(c, actor=None, to="office_director", at=due))
    client.force_login(supervisor)

    detail = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    printed = client.get(reverse("complaints:print", args=[c.pk])).content.decode()

    with translation.override("zh-hans"):
        said = {e.kind: event_detail(e) for e in c.events.all()}
        grades = (str(Grade.IMPORTANT.label), str(Grade.MAJOR.label))
    assert "解决" in said[EventKind.OVERDUE]  # which clock
    assert f"{timezone.localtime(due):%Y-%m-%d %H:%M}" in said[EventKind.OVERDUE]  # when due
    assert "管理处主任" in said[EventKind.ESCALATED]
    assert "楼层巡视员上门" in said[EventKind.INFORMED]
    assert all(g in said[EventKind.REGRADED] for g in grades)
    assert "minor" not in said[EventKind.REGRADED] and "major" not in said[EventKind.REGRADED]
    assert "工程部" in said[EventKind.ROUTED]
    for kind in (EventKind.OVERDUE, EventKind.ESCALATED, EventKind.INFORMED, EventKind.REGRADED):
        assert escape(said[kind]) in detail, kind
        assert escape(said[kind]) in printed, kind


def test_overdue_entry_gives_the_deadline_in_local_time(clerk):
    c = make_complaint(clerk=clerk)
    due = dt.datetime(2026, 11, 12, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    e = events.record(events.overdue(c, clock="route", due=due, at=due))
    with translation.override("zh-hans"):
        assert "2026-11-12 09:00" in event_detail(e)


# --- 5. the queue, the action forms, extensions ------------------------------------------


def test_department_head_signs_for_a_complaint_from_the_queue(client, clerk, dept_head):
    routed = advance(make_complaint(clerk=clerk), to="routed", clerk=clerk, head=dept_head)
    signed = advance(make_complaint(clerk=clerk), to="signed", clerk=clerk, head=dept_head)
    client.force_login(dept_head)
    queue_url = reverse("complaints:queue")

    body = client.get(queue_url).content.decode()
    assert 'data-testid="queue-sign"' in _row(body, routed)
    assert 'data-testid="queue-sign"' not in _row(body, signed)
    action = reverse("complaints:act", args=[routed.pk, "sign"])
    assert f'action="{action}"' in _row(body, routed)

    response = client.post(action, {"next": queue_url}, follow=True)

    assert response.redirect_chain == [(queue_url, 302)]
    routed.refresh_from_db()
    assert routed.status == Status.SIGNED
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_a_next_address_off_the_site_is_not_followed(client, clerk, dept_head):
    routed = advance(make_complaint(clerk=clerk), to="routed", clerk=clerk, head=dept_head)
    client.force_login(dept_head)
    response = client.post(
        reverse("complaints:act", args=[routed.pk, "sign"]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("complaints:detail", args=[routed.pk])


def test_resident_phone_is_a_tel_link_once_revealed_and_in_full_on_the_printed_form(client, clerk):
    c = make_complaint(clerk=clerk, resident_phone="021-55551234")
    client.force_login(clerk)
    body = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    assert "021****1234" in body and "021-55551234" not in body  # staff.privacy
    revealed = client.post(reverse("contact_reveal", args=["complaint", c.pk])).content.decode()
    assert '<a class="text-nowrap" href="tel:02155551234"' in revealed
    body = client.get(reverse("complaints:print", args=[c.pk])).content.decode()
    assert "021-55551234" in body


def test_action_forms_have_titles(client, clerk):
    c = make_complaint(clerk=clerk)
    client.force_login(clerk)
    response = client.get(reverse("complaints:detail", args=[c.pk]))
    body = response.content.decode()
    offered = [a for a in response.context["actions"] if a["form"] is not None]
    assert {a["name"] for a in offered} >= {"route", "on_the_spot", "out_of_scope", "note"}
    for a in offered:
        assert a["title"] and escape(str(a["title"])) in body


def test_regrade_form_starts_at_the_current_grade(client, clerk, supervisor):
    c = make_complaint(clerk=clerk, grade=Grade.IMPORTANT)
    client.force_login(supervisor)
    body = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    form = _section(body, "action-regrade")
    assert re.search(r'<option value="important"[^>]*selected', form)
    assert not re.search(r'<option value="minor"[^>]*selected', form)


def test_a_routed_complaint_offers_passing_it_on_not_routing(client, clerk, dept_head, eng):
    c = advance(make_complaint(clerk=clerk), to="routed", clerk=clerk, head=dept_head)
    client.force_login(clerk)
    response = client.get(reverse("complaints:detail", args=[c.pk]))
    body = response.content.decode()
    offer = next(a for a in response.context["actions"] if a["name"] == "route")
    assert offer["collapsed"] and eng.name in offer["hint"]
    fold = body.split('data-testid="fold-route"', 1)[1].split("</details>", 1)[0]
    assert escape(str(offer["title"])) in fold and eng.name in fold
    assert f'<option value="{eng.pk}"' not in fold  # not offered again
    # A complaint not yet routed: the routing form is open, every department offered.
    fresh = make_complaint(clerk=clerk)
    body = client.get(reverse("complaints:detail", args=[fresh.pk])).content.decode()
    assert 'data-testid="fold-route"' not in body
    assert f'<option value="{eng.pk}"' in _section(body, "action-route")


@pytest.fixture
def pending(clerk, dept_head):
    c = advance(make_complaint(clerk=clerk), to="signed", clerk=clerk, head=dept_head)
    return request_extension(c, dept_head)


def test_refusing_an_extension_needs_a_reason(client, director, pending):
    client.force_login(director)
    url = reverse("complaints:decide_extension", args=[pending.pk])

    response = client.post(url, {"decision": "refuse", "note": "  "})

    assert response.status_code == 400
    assert "note" in response.context["decision_form"].errors
    assert "is-invalid" in _section(response.content.decode(), "decide-extension")
    pending.refresh_from_db()
    assert pending.decision == Extension.Decision.PENDING

    response = client.post(url, {"decision": "refuse", "note": "配件已到，按原时限完成"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.decision == Extension.Decision.REFUSED


def test_approving_an_extension_needs_no_reason(client, director, pending):
    client.force_login(director)
    response = client.post(
        reverse("complaints:decide_extension", args=[pending.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.decision == Extension.Decision.APPROVED


@pytest.mark.parametrize("decision", ["approve", "refuse", ""])
def test_a_clerk_deciding_an_extension_is_forbidden(client, clerk, pending, decision):
    client.force_login(clerk)
    response = client.post(
        reverse("complaints:decide_extension", args=[pending.pk]),
        {"decision": decision, "note": "同意"},
    )
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.decision == Extension.Decision.PENDING


def test_an_extension_refused_by_the_service_as_not_allowed_is_forbidden(
    client, director, pending, monkeypatch
):
    """The approver changed under the director (e.g. regraded meanwhile): 403."""
    real = services.extension_decide

    def regraded_first(**kwargs):
        Complaint.objects.filter(pk=pending.complaint_id).update(grade=Grade.IMPORTANT)
        return real(**kwargs)

    monkeypatch.setattr(services, "extension_decide", regraded_first)
    client.force_login(director)
    response = client.post(
        reverse("complaints:decide_extension", args=[pending.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.decision == Extension.Decision.PENDING


# --- 6. whoever loses a race ----------------------------------------------------------------


@pytest.fixture
def routed_to_eng(clerk, dept_head):
    return advance(make_complaint(clerk=clerk), to="routed", clerk=clerk, head=dept_head)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_head_signing_after_the_desk_passed_it_on_is_told_on_the_queue(
    client, clerk, dept_head, cleaning, routed_to_eng
):
    c = routed_to_eng
    services.complaint_route(actor=clerk, complaint_id=c.pk, department=cleaning)
    client.force_login(dept_head)

    response = client.post(reverse("complaints:act", args=[c.pk, "sign"]), follow=True)

    assert response.redirect_chain == [(reverse("complaints:queue"), 302)]
    (message,) = _messages(response)
    assert c.number in message and cleaning.name in message
    c.refresh_from_db()
    assert (c.status, c.department) == (Status.ROUTED, cleaning)
    assert EventKind.SIGNED not in c.events.values_list("kind", flat=True)


def test_head_whose_signature_the_service_refuses_after_a_pass_on_is_told_too(
    client, clerk, dept_head, cleaning, routed_to_eng, monkeypatch
):
    """The desk's pass-on commits between the head's page check and the service's lock."""
    c = routed_to_eng
    real = services.complaint_sign

    def passed_on_first(**kwargs):
        services.complaint_route(actor=clerk, complaint_id=c.pk, department=cleaning)
        return real(**kwargs)

    monkeypatch.setattr(services, "complaint_sign", passed_on_first)
    client.force_login(dept_head)

    response = client.post(
        reverse("complaints:act", args=[c.pk, "sign"]),
        {"next": reverse("complaints:queue")},
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("complaints:queue")
    assert any(c.number in m and cleaning.name in m for m in _messages(response))
    c.refresh_from_db()
    assert (c.status, c.department, c.signed_at) == (Status.ROUTED, cleaning, None)


def test_clerk_passing_on_a_complaint_signed_meanwhile_changes_nothing(
    client, clerk, dept_head, eng, cleaning, routed_to_eng
):
    c = routed_to_eng
    client.force_login(clerk)
    page = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    seen = re.search(r'name="seen" value="([^"]*)"', _section(page, "action-route")).group(1)
    services.complaint_sign(actor=dept_head, complaint_id=c.pk)  # the head was quicker

    response = client.post(
        reverse("complaints:act", args=[c.pk, "route"]),
        {"department": cleaning.pk, "seen": seen},
    )

    assert response.status_code == 409
    (message,) = _messages(response)
    assert c.number in message and eng.name in message
    c.refresh_from_db()
    assert (c.status, c.department) == (Status.SIGNED, eng)
    # Looking again, the clerk may still pass it on.
    page = client.get(reverse("complaints:detail", args=[c.pk])).content.decode()
    seen = re.search(r'name="seen" value="([^"]*)"', _section(page, "action-route")).group(1)
    response = client.post(
        reverse("complaints:act", args=[c.pk, "route"]),
        {"department": cleaning.pk, "seen": seen},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.department) == (Status.ROUTED, cleaning)


def test_a_head_of_a_department_that_never_held_it_still_gets_404(
    client, clerk, dept_head, cleaning
):
    other_head = make_staff(
        "clean_head", Role.DEPARTMENT_HEAD, clerk.staff_profile.estate, Department.Kind.CLEANING
    )
    assert other_head.staff_profile.department == cleaning
    c = advance(make_complaint(clerk=clerk), to="routed", clerk=clerk, head=dept_head)
    client.force_login(other_head)
    response = client.post(reverse("complaints:act", args=[c.pk, "sign"]))
    assert response.status_code == 404


# --- a department without a head ------------------------------------------------------


def test_routing_to_a_department_without_a_head_warns_the_clerk(client, clerk, ch):
    headless = department(ch, Department.Kind.PARKING)
    c = make_complaint(clerk=clerk)
    client.force_login(clerk)
    response = client.post(
        reverse("complaints:act", args=[c.pk, "route"]),
        {"department": headless.pk, "seen": ""},
        follow=True,
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1 and headless.name in warnings[0] and c.number in warnings[0]


def test_routing_to_a_department_with_a_head_does_not_warn(client, clerk, dept_head):
    c = make_complaint(clerk=clerk)
    client.force_login(clerk)
    response = client.post(
        reverse("complaints:act", args=[c.pk, "route"]),
        {"department": dept_head.staff_profile.department_id, "seen": ""},
        follow=True,
    )
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]
