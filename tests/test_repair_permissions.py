"""Who may act on a repair order, what each user sees, and two technicians grabbing the
same order at once."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from repairs import services
from repairs.models import RepairOrder, RepairOrderEvent, Status
from repairs.selectors import orders_for
from staff.roles import Role
from tests.factories.repairs import advance, make_order, make_technician
from tests.factories.staff import EstateFactory, UnitFactory, make_staff


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    with translation.override("en"):
        yield


def test_the_staff_of_the_estate_report_repairs_and_the_desk_hears_of_others(
    clerk, duty_officer, supervisor, technician, dept_head, other_clerk, ch
):
    from staff.models import Notification

    for desk in (clerk, duty_officer, supervisor):
        assert services.repair_can_report(desk, ch.pk)
        o = make_order(clerk=desk, estate=ch)
        assert not Notification.objects.filter(link__contains=f"/{o.pk}/").exists()
    # A technician or a head on a patrol reports one too: it goes to the desk.
    for staff in (technician, dept_head):
        assert services.repair_can_report(staff, ch.pk)
        o = make_order(clerk=staff, estate=ch)
        told = set(
            Notification.objects.filter(link__contains=f"/{o.pk}/").values_list(
                "recipient__username", flat=True
            )
        )
        assert {"clerk", "supervisor"} <= told and "tech" not in told
    # Another estate's clerk may not.
    assert not services.repair_can_report(other_clerk, ch.pk)
    with pytest.raises(services.NotAllowed):
        make_order(clerk=other_clerk, estate=ch, unit=UnitFactory(estate=ch))


def test_dispatch_by_the_desk_or_the_engineering_head_to_a_technician_of_the_estate(
    clerk, dept_head, technician, tech_jr, other_clerk
):
    o = make_order(clerk=clerk)
    with pytest.raises(services.NotAllowed):
        services.repair_dispatch(actor=other_clerk, order_id=o.pk, technician=technician)
    with pytest.raises(services.NotAllowed):
        services.repair_dispatch(actor=technician, order_id=o.pk, technician=technician)
    with pytest.raises(services.RepairError, match="engineering department"):
        services.repair_dispatch(actor=clerk, order_id=o.pk, technician=tech_jr)
    with pytest.raises(services.RepairError, match="engineering department"):
        services.repair_dispatch(actor=clerk, order_id=o.pk, technician=clerk)
    assert services.repair_can_dispatch(dept_head, o)
    services.repair_dispatch(actor=dept_head, order_id=o.pk, technician=technician)
    o.refresh_from_db()
    assert (o.status, o.technician) == (Status.DISPATCHED, technician)


def test_a_technician_acts_only_on_his_own_orders(clerk, technician, tech2, tech_jr):
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk, technician=technician)
    o.refresh_from_db()
    for other in (tech2, tech_jr):
        assert not services.repair_can_take(other, o)
        with pytest.raises(services.NotAllowed):
            services.repair_take(actor=other, order_id=o.pk)
    services.repair_take(actor=technician, order_id=o.pk)
    o.refresh_from_db()
    for other in (tech2, tech_jr):
        assert not services.repair_can_arrive(other, o)
        with pytest.raises(services.NotAllowed):
            services.repair_arrive(actor=other, order_id=o.pk)
    services.repair_arrive(actor=technician, order_id=o.pk)
    o.refresh_from_db()
    with pytest.raises(services.NotAllowed):
        services.repair_finish(actor=tech2, order_id=o.pk, work_done="x")
    # The desk records, but does not do the work.
    with pytest.raises(services.NotAllowed):
        services.repair_finish(actor=clerk, order_id=o.pk, work_done="x")


def test_a_published_order_is_open_to_the_estates_technicians_only(clerk, technician, tech_jr):
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk)
    o.refresh_from_db()
    assert services.repair_can_take(technician, o)
    assert not services.repair_can_take(tech_jr, o)
    assert not services.repair_can_take(clerk, o)
    with pytest.raises(services.NotAllowed):
        services.repair_take(actor=tech_jr, order_id=o.pk)


def test_closing_feedback_and_rework_belong_to_the_desk(clerk, technician, other_clerk):
    o = make_order(clerk=clerk)
    o = advance(o, to=Status.SIGNED, clerk=clerk, technician=technician)
    for outsider in (technician, other_clerk):
        assert not services.repair_can_close(outsider, o)
        with pytest.raises(services.NotAllowed):
            services.repair_close(actor=outsider, order_id=o.pk)
        with pytest.raises(services.NotAllowed):
            services.repair_feedback(actor=outsider, order_id=o.pk)
    services.repair_close(actor=clerk, order_id=o.pk)
    with pytest.raises(services.NotAllowed):
        services.repair_rework(actor=technician, order_id=o.pk, reason="仍漏水")


def test_orders_for_scopes_each_user(clerk, technician, tech2, dept_head, supervisor, gm, jr):
    mine = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=mine.pk, technician=technician)
    theirs = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=theirs.pk, technician=tech2)
    to_take = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=to_take.pk)
    not_yet = make_order(clerk=clerk)
    jr_clerk = make_staff("clerk_jr2", Role.CLERK, jr)
    elsewhere = make_order(clerk=jr_clerk)
    ch_orders = {mine.pk, theirs.pk, to_take.pk, not_yet.pk}

    def seen(user):
        return set(orders_for(user).values_list("pk", flat=True))

    assert seen(technician) == {mine.pk, to_take.pk}
    assert seen(tech2) == {theirs.pk, to_take.pk}
    for user in (clerk, dept_head, supervisor):
        assert seen(user) == ch_orders
    assert seen(gm) == ch_orders | {elsewhere.pk}
    assert seen(jr_clerk) == {elsewhere.pk}
    other = make_staff("loner", Role.CLERK, EstateFactory(code="ZZ"))
    assert seen(other) == set()


@pytest.mark.django_db(transaction=True)
def test_two_technicians_grabbing_at_once_one_gets_it():
    ch = EstateFactory(code="CH", name="翠湖花园")
    clerk = make_staff("clerk", Role.CLERK, ch)
    first, second = make_technician("t1", ch), make_technician("t2", ch)
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk)
    barrier = threading.Barrier(2)
    won, lost, errors = [], [], []

    def grab(user):
        try:
            barrier.wait()
            services.repair_take(actor=user, order_id=o.pk)
            won.append(user)
        except services.RepairError as exc:
            lost.append(exc)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=grab, args=(u,)) for u in (first, second)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], services.Conflict)
    o = RepairOrder.objects.get(pk=o.pk)
    assert (o.status, o.technician) == (Status.TAKEN, won[0])
    assert RepairOrderEvent.objects.filter(order=o, kind="taken").count() == 1
