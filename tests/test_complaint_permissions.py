"""Who may do what: services refuse the wrong role, department or estate."""

import datetime as dt

import pytest
from django.db import transaction

from complaints import services
from complaints.models import Grade, Status
from complaints.views import ACTIONS as PAGE_ACTIONS
from complaints.views import _detail_context
from staff.models import Department
from staff.roles import Role
from tests.complaint_helpers import ACTIONS, at_status, snapshot
from tests.factories.complaints import department
from tests.factories.staff import make_staff

# The complaint services queue Celery tasks; every test here records them instead
# (the ``sent_tasks`` fixture in conftest.py) so nothing reaches the broker.
pytestmark = pytest.mark.usefixtures("sent_tasks")


@pytest.fixture
def cleaning_head(ch):
    return make_staff("cleaning_head", Role.DEPARTMENT_HEAD, ch, Department.Kind.CLEANING)


@pytest.fixture
def jr_eng_head(jr):
    return make_staff("jr_eng_head", Role.DEPARTMENT_HEAD, jr, Department.Kind.ENGINEERING)


def test_a_clerk_cannot_sign_for_a_complaint(users):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=users["clerk"], complaint_id=c.pk)
    assert snapshot(c) == before


def test_a_clerk_cannot_record_the_handling(users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_handle(actor=users["clerk"], complaint_id=c.pk, note="已处理")
    assert snapshot(c) == before


def test_a_technician_of_the_department_cannot_sign_for_it(users, technician):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=technician, complaint_id=c.pk)
    assert snapshot(c) == before


def test_the_head_of_another_department_cannot_sign_or_handle(users, cleaning_head):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=cleaning_head, complaint_id=c.pk)
    assert snapshot(c) == before
    services.complaint_sign(actor=users["head"], complaint_id=c.pk)
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_handle(actor=cleaning_head, complaint_id=c.pk, note="已处理")
    assert snapshot(c) == before


def test_the_engineering_head_of_another_estate_cannot_sign(users, jr_eng_head):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=jr_eng_head, complaint_id=c.pk)
    assert snapshot(c) == before


def test_the_head_of_the_department_a_complaint_was_rerouted_to_signs_for_it(users, cleaning_head):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    ACTIONS["reroute"](c, users)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=users["head"], complaint_id=c.pk)
    services.complaint_sign(actor=cleaning_head, complaint_id=c.pk)
    c.refresh_from_db()
    assert c.status == Status.SIGNED
    assert c.events.last().actor == cleaning_head


def test_a_clerk_of_another_estate_cannot_route(users, other_clerk):
    c = at_status(Status.RECEIVED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_route(actor=other_clerk, complaint_id=c.pk, department=users["eng"])
    assert snapshot(c) == before


def test_a_clerk_of_another_estate_cannot_inform_or_close(users, other_clerk):
    c = at_status(Status.HANDLED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_inform(actor=other_clerk, complaint_id=c.pk, method="phone")
    assert snapshot(c) == before
    ACTIONS["inform"](c, users)
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_close(actor=other_clerk, complaint_id=c.pk)
    assert snapshot(c) == before


def test_a_department_head_cannot_route(users):
    c = at_status(Status.RECEIVED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_route(actor=users["head"], complaint_id=c.pk, department=users["eng"])
    assert snapshot(c) == before


def test_a_complaint_cannot_be_routed_to_a_department_of_another_estate(users, jr):
    c = at_status(Status.RECEIVED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_route(actor=users["clerk"], complaint_id=c.pk, department=department(jr))
    assert snapshot(c) == before


def test_a_department_head_cannot_reopen(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_reopen(actor=users["head"], complaint_id=c.pk, reason="不满意")
    assert snapshot(c) == before


def test_a_clerk_cannot_regrade_or_escalate(users):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"], grade=Grade.IMPORTANT)
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_regrade(
            actor=users["clerk"], complaint_id=c.pk, grade=Grade.MAJOR, reason="多次投诉"
        )
    with pytest.raises(services.NotAllowed):
        services.complaint_escalate(actor=users["clerk"], complaint_id=c.pk)
    assert snapshot(c) == before


# --- one source: what the complaint page offers is exactly what the services accept ----

# The detail page's action name → a call of the service it runs.
SERVICE_CALLS = {
    "route": lambda u, c, d: services.complaint_route(
        actor=u, complaint_id=c.pk, department=d["cleaning"]
    ),
    "on_the_spot": lambda u, c, d: services.complaint_close_on_the_spot(
        actor=u, complaint_id=c.pk, note="已当场解决"
    ),
    "out_of_scope": lambda u, c, d: services.complaint_mark_out_of_scope(
        actor=u, complaint_id=c.pk, note="非职责范围"
    ),
    "sign": lambda u, c, d: services.complaint_sign(actor=u, complaint_id=c.pk),
    "handle": lambda u, c, d: services.complaint_handle(actor=u, complaint_id=c.pk, note="已修"),
    "extend": lambda u, c, d: services.extension_request(
        actor=u,
        complaint_id=c.pk,
        reason="等配件",
        interim_measure="已关阀",
        new_deadline=(c.resolve_due or d["now"]) + dt.timedelta(days=3),
    ),
    "inform": lambda u, c, d: services.complaint_inform(actor=u, complaint_id=c.pk, method="phone"),
    "close": lambda u, c, d: services.complaint_close(actor=u, complaint_id=c.pk),
    "reopen": lambda u, c, d: services.complaint_reopen(
        actor=u, complaint_id=c.pk, reason="不满意"
    ),
    "regrade": lambda u, c, d: services.complaint_regrade(
        actor=u,
        complaint_id=c.pk,
        grade=Grade.MAJOR if c.grade != Grade.MAJOR else Grade.MINOR,
        reason="复核",
    ),
    "escalate": lambda u, c, d: services.complaint_escalate(actor=u, complaint_id=c.pk),
    "note": lambda u, c, d: services.complaint_add_note(actor=u, complaint_id=c.pk, note="备注"),
}


@pytest.mark.parametrize("grade", [Grade.MINOR, Grade.IMPORTANT])
@pytest.mark.parametrize(
    "status",
    [Status.RECEIVED, Status.ROUTED, Status.SIGNED, Status.HANDLED, Status.INFORMED, Status.CLOSED],
)
def test_the_page_offers_exactly_the_actions_the_services_accept(
    rf, users, director, other_clerk, status, grade
):
    c = at_status(status, clerk=users["clerk"], head=users["head"], grade=grade)
    if grade == Grade.IMPORTANT and c.is_open:
        # Escalated already: the page and the service must agree it cannot go again.
        services.complaint_escalate(actor=users["supervisor"], complaint_id=c.pk)
        c.refresh_from_db()
    assert set(SERVICE_CALLS) == set(PAGE_ACTIONS)
    data = {"cleaning": users["cleaning"], "now": c.received_at}
    people = [users["clerk"], users["head"], users["supervisor"], director, other_clerk]
    for user in people:
        request = rf.get("/")
        request.user = user
        offered = {a["name"] for a in _detail_context(request, c)["actions"]}
        for name, call in SERVICE_CALLS.items():
            try:
                with transaction.atomic():
                    call(user, c, data)
                    accepted = True
                    raise _Undo
            except _Undo:
                pass
            except services.ComplaintError:
                accepted = False
            assert (name in offered) == accepted, (user.username, status, name)
            c.refresh_from_db()


class _Undo(Exception):
    """Rolls back an action that was accepted, so the next one starts from the same state."""
