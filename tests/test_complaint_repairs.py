"""A complaint and its repair orders (维修单): the card on the complaint's page, and the
rule that a complaint does not close while an order of it is open, unless the supervisor,
the office director or the general manager closes it over them with a reason."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from complaints import services
from complaints.models import EventKind, Status
from complaints.services.permissions import complaint_can_close_over_repairs
from repairs.models import Status as RepairStatus
from staff.models import Department
from staff.roles import Role
from tests.complaint_helpers import at_status, snapshot
from tests.factories.repairs import advance, make_order
from tests.factories.staff import make_staff

pytestmark = pytest.mark.usefixtures("sent_tasks")


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def informed(users):
    """A complaint whose resident was told the result, with an open repair order."""
    c = at_status(Status.INFORMED, clerk=users["clerk"], head=users["head"])
    order = make_order(clerk=users["clerk"], complaint=c)
    return c, order


def _detail(client, user, c):
    client.force_login(user)
    return client.get(reverse("complaints:detail", args=[c.pk]))


# --- the service ----------------------------------------------------------------------------


def test_the_desk_cannot_close_while_an_order_of_the_complaint_is_open(users, informed):
    c, order = informed
    before = snapshot(c)
    assert not services.complaint_can_close(users["clerk"], c)
    with pytest.raises(services.IllegalTransition, match=order.number):
        services.complaint_close(actor=users["clerk"], complaint_id=c.pk)
    assert snapshot(c) == before


def test_a_supervisor_closes_over_open_orders_with_a_reason_that_is_logged(users, informed):
    c, order = informed
    reason = "住户同意先结案，维修另行跟进"
    services.complaint_close(actor=users["supervisor"], complaint_id=c.pk, override_reason=reason)
    c.refresh_from_db()
    assert c.status == Status.CLOSED
    event = c.events.filter(kind=EventKind.CLOSED).get()
    assert event.actor == users["supervisor"]
    assert event.note == reason
    assert event.data["override"] == reason
    assert event.data["open_repairs"] == [order.number]
    from complaints.templatetags.complaints_tags import event_detail

    assert f"closed with repair orders still open: {order.number}" in str(event_detail(event))


def test_a_supervisor_without_a_reason_is_refused(users, informed):
    c, _ = informed
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition, match="supervisor closes it now"):
        services.complaint_close(actor=users["supervisor"], complaint_id=c.pk)
    with pytest.raises(services.IllegalTransition):
        services.complaint_close(actor=users["supervisor"], complaint_id=c.pk, override_reason=" ")
    assert snapshot(c) == before


def test_a_clerk_giving_a_reason_is_refused(users, informed):
    c, _ = informed
    before = snapshot(c)
    with pytest.raises(services.NotAllowed, match="supervisor"):
        services.complaint_close(actor=users["clerk"], complaint_id=c.pk, override_reason="先结案")
    assert snapshot(c) == before


@pytest.mark.parametrize("name", ["director", "gm"])
def test_the_director_and_the_general_manager_may_override(users, informed, user_of, name):
    c, _ = informed
    boss = user_of(name)
    assert complaint_can_close_over_repairs(boss, c)
    services.complaint_close(actor=boss, complaint_id=c.pk, override_reason="领导决定先结案")
    c.refresh_from_db()
    assert c.status == Status.CLOSED


def test_a_supervisor_of_another_estate_cannot_override(users, informed, jr):
    c, _ = informed
    theirs = make_staff("sup_jr", Role.SUPERVISOR, jr, Department.Kind.CUSTOMER_SERVICE)
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_close(actor=theirs, complaint_id=c.pk, override_reason="先结案")
    assert snapshot(c) == before


def test_once_the_order_is_closed_the_desk_closes_as_usual(users, informed, technician):
    c, order = informed
    advance(order, to=RepairStatus.CLOSED, clerk=users["clerk"], technician=technician)
    assert services.complaint_can_close(users["clerk"], c)
    services.complaint_close(actor=users["clerk"], complaint_id=c.pk)
    event = c.events.filter(kind=EventKind.CLOSED).get()
    assert "override" not in event.data and event.note == ""


def test_with_no_open_order_a_reason_changes_nothing(users):
    c = at_status(Status.INFORMED, clerk=users["clerk"], head=users["head"])
    assert not complaint_can_close_over_repairs(users["supervisor"], c)
    services.complaint_close(actor=users["clerk"], complaint_id=c.pk, override_reason="无需")
    event = c.events.filter(kind=EventKind.CLOSED).get()
    assert "override" not in event.data


# --- the page -------------------------------------------------------------------------------


def test_the_page_lists_the_orders_and_the_desk_creates_one(client, users, technician):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    first = make_order(clerk=users["clerk"], complaint=c)
    advance(first, to=RepairStatus.DISPATCHED, clerk=users["clerk"], technician=technician)
    second = make_order(clerk=users["clerk"], complaint=c)
    body = _detail(client, users["clerk"], c).content.decode()
    card = body.split('data-testid="repair-orders"', 1)[1]
    for o in (first, second):
        assert o.number in card and reverse("repairs:detail", args=[o.pk]) in card
    assert "Dispatched" in card and "王测试" in card  # the status and the technician
    create = f'href="{reverse("repairs:new")}?complaint={c.pk}"'
    assert create in card


def test_the_department_head_sees_the_orders_but_no_create_button(client, users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    o = make_order(clerk=users["clerk"], complaint=c)
    body = _detail(client, users["head"], c).content.decode()
    assert o.number in body
    assert 'data-testid="create-repair"' not in body


def test_a_closed_complaint_offers_no_new_order(client, users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    body = _detail(client, users["clerk"], c).content.decode()
    assert 'data-testid="repair-orders"' not in body


def test_the_desk_sees_why_it_cannot_close(client, users, informed):
    c, order = informed
    body = _detail(client, users["clerk"], c).content.decode()
    blocked = body.split('data-testid="close-blocked"', 1)[1].split("</div>", 1)[0]
    assert order.number in blocked
    assert 'data-testid="action-close"' not in body


def test_the_supervisor_sees_a_reason_field_and_closes_over_the_orders(client, users, informed):
    c, order = informed
    body = _detail(client, users["supervisor"], c).content.decode()
    close = body.split('data-testid="action-close"', 1)[1].split("</form>", 1)[0]
    assert 'name="override_reason"' in close
    url = reverse("complaints:act", args=[c.pk, "close"])
    response = client.post(url, {"override_reason": ""})
    assert response.status_code == 409
    c.refresh_from_db()
    assert c.status == Status.INFORMED
    response = client.post(url, {"override_reason": "住户同意先结案"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == Status.CLOSED
    assert c.events.get(kind=EventKind.CLOSED).data["open_repairs"] == [order.number]


def test_a_plain_close_is_still_one_button(client, users):
    c = at_status(Status.INFORMED, clerk=users["clerk"], head=users["head"])
    body = _detail(client, users["clerk"], c).content.decode()
    close = body.split('data-testid="action-close"', 1)[1].split("</form>", 1)[0]
    assert "override_reason" not in close
    response = client.post(reverse("complaints:act", args=[c.pk, "close"]))
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == Status.CLOSED


def test_a_clerk_posting_a_reason_is_refused_on_the_page(client, users, informed):
    c, _ = informed
    client.force_login(users["clerk"])
    url = reverse("complaints:act", args=[c.pk, "close"])
    response = client.post(url, {"override_reason": "先结案"})
    assert response.status_code == 403
    c.refresh_from_db()
    assert c.status == Status.INFORMED


def test_the_card_costs_the_same_queries_however_many_orders(
    client, users, technician, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    o = make_order(clerk=users["clerk"], complaint=c)
    advance(o, to=RepairStatus.DISPATCHED, clerk=users["clerk"], technician=technician)
    _detail(client, users["clerk"], c)
    with CaptureQueriesContext(connection) as one:
        _detail(client, users["clerk"], c)
    for _ in range(4):
        o = make_order(clerk=users["clerk"], complaint=c)
        advance(o, to=RepairStatus.DISPATCHED, clerk=users["clerk"], technician=technician)
    with CaptureQueriesContext(connection) as five:
        body = _detail(client, users["clerk"], c).content.decode()
    assert body.count("data-repair=") == 5
    assert len(five) == len(one)
