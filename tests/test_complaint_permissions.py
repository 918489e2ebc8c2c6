"""Who may do what: services refuse the wrong role, department or estate."""

import pytest

from complaints import services
from complaints.models import Grade, Status
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
