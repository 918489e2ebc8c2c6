"""Who gets a repair order, at the service level: the technicians on shift, round-robin
(轮派), the notice of a dispatch; passing an order on (转单), handing it back (退单) and
the resident chasing it (催单). Every refusal is matched by its message and leaves the
order as it was (no event, no row changed, nobody told)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from repairs import services
from repairs.models import EventKind, RepairOrder, RepairOrderEvent, Shift, Status
from staff.models import Department, Notification
from staff.roles import Role
from tests.factories.repairs import advance, make_order, make_technician
from tests.factories.staff import make_staff


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    with translation.override("en"):
        yield


SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)

ON_SITE = "Only the technician on this order, the service desk or the engineering head may do this."
ASSIGNED_ONLY = "Only the technician on this order may do this."
DESK_ONLY = "Only the service desk of this estate may do this."
NOBODY_ON_SHIFT = "Nobody of engineering is on shift now: choose a technician or publish it."
NOT_OF_ESTATE = "Choose a technician of this estate's engineering department."


def named(user, first_name: str):
    """Technicians with names of their own, so the log's before and after differ."""
    user.first_name, user.last_name = first_name, ""
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def tech(technician):
    return named(technician, "张师傅")


@pytest.fixture
def tech2(ch):
    return named(make_technician("tech2", ch), "李师傅")


@pytest.fixture
def tech3(ch):
    return named(make_technician("tech3", ch), "王师傅")


@pytest.fixture
def tech_jr(jr):
    return named(make_technician("tech_jr", jr), "赵师傅")


@pytest.fixture
def eng(tech):
    return tech.staff_profile.department


def shift(user, start: dt.datetime, end: dt.datetime, estate=None) -> Shift:
    return Shift.objects.create(
        estate=estate or user.staff_profile.estate, user=user, starts_at=start, ends_at=end
    )


def kinds(order: RepairOrder) -> list[str]:
    events = RepairOrderEvent.objects.filter(order=order).order_by("id")
    return list(events.values_list("kind", flat=True))


def last_event(order: RepairOrder) -> RepairOrderEvent:
    entry = RepairOrderEvent.objects.filter(order=order).order_by("id").last()
    assert entry is not None
    return entry


def told(order: RepairOrder, what: str) -> set[str]:
    """Who received a notice ``what`` (dispatched, handed_back, chased) of the order."""
    rows = Notification.objects.filter(key__startswith=f"repair:{order.pk}:{what}:")
    return set(rows.values_list("recipient__username", flat=True))


def snapshot(order: RepairOrder) -> dict[str, Any]:
    return {
        "row": RepairOrder.objects.filter(pk=order.pk).values().get(),
        "events": list(RepairOrderEvent.objects.filter(order=order).values_list("pk", flat=True)),
        "notices": list(Notification.objects.order_by("pk").values_list("pk", flat=True)),
    }


@contextmanager
def refused(
    order: RepairOrder, message: str, error: type[Exception] = services.RepairError
) -> Iterator[None]:
    """The block raises ``error`` with exactly ``message`` and saves nothing."""
    before = snapshot(order)
    with pytest.raises(error) as info:
        yield
    assert str(info.value) == message
    assert snapshot(order) == before  # nothing half-saved, nobody told


def order_in(status: str, clerk, technician, **fields) -> RepairOrder:
    o = make_order(clerk=clerk, **fields)
    return advance(o, to=status, clerk=clerk, technician=technician)


def published(clerk) -> RepairOrder:
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk)
    o.refresh_from_db()
    return o


def round_robin(clerk, o: RepairOrder) -> RepairOrder:
    return services.repair_dispatch(actor=clerk, order_id=o.pk, round_robin=True)


# --- on shift ---------------------------------------------------------------------------


def test_on_shift_is_a_shift_covering_the_moment(eng, tech, tech2, tech3, ch):
    shift(tech, T0 - 8 * HOUR, T0)  # ends exactly now: off
    shift(tech2, T0, T0 + 8 * HOUR)  # starts exactly now: on
    shift(tech3, T0 + MINUTE, T0 + 8 * HOUR)  # later today
    shift(tech3, T0 - 24 * HOUR, T0 - 16 * HOUR)  # yesterday
    with time_machine.travel(T0, tick=False):
        assert services.on_shift(eng.pk, timezone.now()) == [tech2]
    with time_machine.travel(T0 - dt.timedelta(microseconds=1), tick=False):
        assert services.on_shift(eng.pk, timezone.now()) == [tech]
    with time_machine.travel(T0 + MINUTE, tick=False):
        assert services.on_shift(eng.pk, timezone.now()) == [tech2, tech3]


def test_on_shift_lists_each_technician_once(eng, tech):
    shift(tech, T0 - 4 * HOUR, T0 + 4 * HOUR)
    shift(tech, T0 - HOUR, T0 + HOUR)  # overlapping: once is enough
    assert services.on_shift(eng.pk, T0) == [tech]


def test_on_shift_is_active_technicians_of_the_department(
    eng, tech, tech2, tech_jr, clerk, dept_head, ch
):
    cleaner = make_staff("cleaner_tech", Role.TECHNICIAN, ch, Department.Kind.CLEANING)
    tech2.is_active = False
    tech2.save(update_fields=["is_active"])
    for user in (tech2, cleaner, clerk, dept_head):
        shift(user, T0 - HOUR, T0 + HOUR)
    shift(tech_jr, T0 - HOUR, T0 + HOUR, estate=ch)  # on duty here, but of another estate
    shift(tech_jr, T0 - HOUR, T0 + HOUR)
    assert services.on_shift(eng.pk, T0) == []
    assert services.next_in_turn(eng.pk, T0) is None
    shift(tech, T0 - HOUR, T0 + HOUR)
    assert services.on_shift(eng.pk, T0) == [tech]


# --- round-robin (轮派) -----------------------------------------------------------------


def test_round_robin_gives_it_to_who_had_one_longest_ago(clerk, tech, tech2, tech3):
    for t in (tech, tech2, tech3):
        shift(t, T0 - HOUR, T0 + 8 * HOUR)
    with time_machine.travel(T0, tick=False):
        first = make_order(clerk=clerk)
        second = make_order(clerk=clerk)
        services.repair_dispatch(actor=clerk, order_id=first.pk, technician=tech2)
    with time_machine.travel(T0 + MINUTE, tick=False):
        services.repair_dispatch(actor=clerk, order_id=second.pk, technician=tech)
    # tech3 never had one: his turn.
    with time_machine.travel(T0 + 2 * MINUTE, tick=False):
        o = make_order(clerk=clerk)
        round_robin(clerk, o)
    o.refresh_from_db()
    assert (o.status, o.technician, o.published) == (Status.DISPATCHED, tech3, False)
    entry = last_event(o)
    assert entry.kind == EventKind.DISPATCHED
    assert (entry.data["round_robin"], entry.data["technician_id"]) == (True, tech3.pk)
    assert told(o, "dispatched") == {tech3.username}
    # Then whoever had one longest ago, and so on in turn.
    given = []
    for n in range(4):
        with time_machine.travel(T0 + (3 + n) * MINUTE, tick=False):
            o = make_order(clerk=clerk)
            given.append(round_robin(clerk, o).technician)
    assert given == [tech2, tech, tech3, tech2]


def test_round_robin_among_those_never_given_one_goes_by_the_roster_order(
    clerk, tech, tech2, tech3
):
    for t in (tech3, tech2, tech):
        shift(t, T0 - HOUR, T0 + HOUR)
    with time_machine.travel(T0, tick=False):
        given = [round_robin(clerk, make_order(clerk=clerk)).technician for _ in range(3)]
    # Dispatched at the same instant: the tie goes by the user's id, each gets one.
    assert sorted(u.pk for u in given) == sorted(u.pk for u in (tech, tech2, tech3))
    assert given[0] == min((tech, tech2, tech3), key=lambda u: u.pk)


def test_round_robin_picks_only_who_is_on_shift_now(clerk, tech, tech2):
    shift(tech, T0 - 8 * HOUR, T0)  # just went off
    shift(tech2, T0, T0 + 8 * HOUR)  # just came on
    with time_machine.travel(T0, tick=False):
        o = make_order(clerk=clerk)
        round_robin(clerk, o)
    o.refresh_from_db()
    assert o.technician == tech2


def test_round_robin_with_nobody_on_shift_is_refused(clerk, tech, tech_jr, ch):
    cleaner = make_staff("cleaner_tech", Role.TECHNICIAN, ch, Department.Kind.CLEANING)
    shift(cleaner, T0 - HOUR, T0 + HOUR)
    shift(tech_jr, T0 - HOUR, T0 + HOUR, estate=ch)
    shift(tech, T0 + HOUR, T0 + 2 * HOUR)  # later
    with time_machine.travel(T0, tick=False):
        o = make_order(clerk=clerk)
        with refused(o, NOBODY_ON_SHIFT):
            round_robin(clerk, o)
    o.refresh_from_db()
    assert (o.status, o.technician, o.dispatched_at) == (Status.REPORTED, None, None)
    assert kinds(o) == [EventKind.REPORTED]
    assert not Notification.objects.filter(key__startswith=f"repair:{o.pk}:").exists()


def test_round_robin_never_picks_another_department_or_estate(clerk, tech, tech_jr, ch):
    cleaner = make_staff("cleaner_tech", Role.TECHNICIAN, ch, Department.Kind.CLEANING)
    for u in (cleaner, tech):
        shift(u, T0 - HOUR, T0 + HOUR)
    shift(tech_jr, T0 - HOUR, T0 + HOUR, estate=ch)
    with time_machine.travel(T0, tick=False):
        picked = {round_robin(clerk, make_order(clerk=clerk)).technician for _ in range(3)}
    assert picked == {tech}


# --- who hears of a dispatch ------------------------------------------------------------


def test_publishing_tells_those_on_shift(clerk, tech, tech2, tech3, tech_jr, ch):
    shift(tech, T0 - HOUR, T0 + HOUR)
    shift(tech2, T0, T0 + HOUR)
    shift(tech3, T0 - HOUR, T0)  # off now
    shift(tech_jr, T0 - HOUR, T0 + HOUR)
    with time_machine.travel(T0, tick=False):
        o = published(clerk)
    assert (o.status, o.technician, o.published) == (Status.DISPATCHED, None, True)
    assert told(o, "dispatched") == {tech.username, tech2.username}
    notice = Notification.objects.filter(recipient=tech, key__startswith=f"repair:{o.pk}:").get()
    assert notice.kind == Notification.Kind.ROUTED
    assert notice.thread == f"repair:{o.pk}"
    assert notice.link == reverse("repairs:detail", args=[o.pk])
    assert o.number in notice.subject


def test_publishing_with_nobody_on_shift_tells_every_technician_of_the_department(
    clerk, tech, tech2, tech3, tech_jr, dept_head, ch
):
    cleaner = make_staff("cleaner_tech", Role.TECHNICIAN, ch, Department.Kind.CLEANING)
    tech3.is_active = False
    tech3.save(update_fields=["is_active"])
    with time_machine.travel(T0, tick=False):
        o = published(clerk)
    assert told(o, "dispatched") == {tech.username, tech2.username}
    assert cleaner.username not in told(o, "dispatched")


def test_dispatching_to_a_technician_tells_him_alone(clerk, tech, tech2):
    shift(tech2, T0 - HOUR, T0 + HOUR)
    with time_machine.travel(T0, tick=False):
        o = make_order(clerk=clerk)
        services.repair_dispatch(actor=clerk, order_id=o.pk, technician=tech)
    assert told(o, "dispatched") == {tech.username}


# --- transfer (转单) --------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.TAKEN])
def test_transfer_gives_the_order_to_another_technician(clerk, tech, tech2, status):
    with time_machine.travel(T0, tick=False):
        o = order_in(status, clerk, tech)
    arrive_due = o.arrive_due
    with time_machine.travel(T0 + 5 * MINUTE, tick=False):
        services.repair_transfer(
            actor=clerk, order_id=o.pk, technician=tech2, reason=" 张师傅请假 "
        )
    o.refresh_from_db()
    assert (o.status, o.technician, o.published, o.taken_at) == (
        Status.DISPATCHED,
        tech2,
        False,
        None,
    )
    assert o.department == tech2.staff_profile.department
    assert o.arrive_due == arrive_due  # the arrival clock keeps its time
    entry = last_event(o)
    assert (entry.kind, entry.actor, entry.note) == (EventKind.TRANSFERRED, clerk, "张师傅请假")
    assert entry.data == {"before": "张师傅", "technician": "李师傅", "technician_id": tech2.pk}
    assert tech2.username in told(o, "dispatched")
    # He takes it anew; the first technician no longer may.
    assert not services.repair_can_take(tech, o)
    services.repair_take(actor=tech2, order_id=o.pk)


def test_transfer_keeps_the_time_of_the_dispatch(clerk, tech, tech2):
    with time_machine.travel(T0, tick=False):
        o = order_in(Status.TAKEN, clerk, tech)
    with time_machine.travel(T0 + HOUR, tick=False):
        services.repair_transfer(actor=clerk, order_id=o.pk, technician=tech2, reason="请假")
    o.refresh_from_db()
    assert o.dispatched_at == T0 and o.dispatched_at <= o.dispatch_due


def test_who_transfers(clerk, dept_head, tech, tech2, tech3, tech_jr, other_clerk):
    o = order_in(Status.TAKEN, clerk, tech)
    for outsider in (tech2, tech_jr, other_clerk):
        assert not services.repair_can_transfer(outsider, o)
        with refused(o, ON_SITE, services.NotAllowed):
            services.repair_transfer(actor=outsider, order_id=o.pk, technician=tech3, reason="忙")
    # The technician on it passes it on; then the head; then the desk.
    for actor, to in ((tech, tech2), (dept_head, tech3), (clerk, tech)):
        assert services.repair_can_transfer(actor, o)
        services.repair_transfer(actor=actor, order_id=o.pk, technician=to, reason="调整")
        o.refresh_from_db()
        assert o.technician == to
    assert kinds(o).count(EventKind.TRANSFERRED) == 3


def test_transfer_refusals(clerk, tech, tech2, tech_jr):
    o = order_in(Status.TAKEN, clerk, tech)
    with refused(o, "Give the reason it is passed on."):
        services.repair_transfer(actor=clerk, order_id=o.pk, technician=tech2, reason="  ")
    with refused(o, "The order is with this technician already."):
        services.repair_transfer(actor=clerk, order_id=o.pk, technician=tech, reason="忙")
    for not_ours in (tech_jr, clerk):
        with refused(o, NOT_OF_ESTATE):
            services.repair_transfer(actor=clerk, order_id=o.pk, technician=not_ours, reason="忙")


def test_no_transfer_to_a_technician_who_has_left(clerk, tech, tech2):
    tech2.is_active = False
    tech2.save(update_fields=["is_active"])
    o = order_in(Status.TAKEN, clerk, tech)
    with refused(o, NOT_OF_ESTATE):
        services.repair_transfer(actor=clerk, order_id=o.pk, technician=tech2, reason="忙")


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (Status.REPORTED, "Reported (已报修)"),
        (Status.ARRIVED, "Arrived (已到场)"),
        (Status.FINISHED, "Work done (已完工)"),
        (Status.CLOSED, "Closed (已关闭)"),
    ],
)
def test_transfer_only_before_the_technician_is_on_site(clerk, tech, tech2, status, label):
    o = order_in(status, clerk, tech)
    with refused(
        o,
        f"Repair order {o.number} is {label}: only an order not yet on site is passed on.",
        services.IllegalTransition,
    ):
        services.repair_transfer(actor=clerk, order_id=o.pk, technician=tech2, reason="忙")


def test_an_order_open_to_take_is_not_transferred(clerk, tech2):
    o = published(clerk)
    with refused(o, "Nobody holds this order yet: it is open to take.", services.IllegalTransition):
        services.repair_transfer(actor=clerk, order_id=o.pk, technician=tech2, reason="指派")


# --- hand back (退单) -------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.TAKEN])
def test_hand_back_opens_the_order_to_take_and_tells_the_head(
    clerk, dept_head, tech, tech2, status
):
    o = order_in(status, clerk, tech)
    services.repair_hand_back(actor=tech, order_id=o.pk, reason=" 工具不够 ")
    o.refresh_from_db()
    assert (o.status, o.technician, o.published, o.taken_at) == (
        Status.DISPATCHED,
        None,
        True,
        None,
    )
    entry = last_event(o)
    assert (entry.kind, entry.actor, entry.note) == (EventKind.HANDED_BACK, tech, "工具不够")
    assert told(o, "handed_back") == {dept_head.username}
    notice = Notification.objects.get(recipient=dept_head, key__startswith=f"repair:{o.pk}:handed")
    assert "工具不够" in notice.subject and o.number in notice.subject
    # The department hears it is open to take (nobody on shift: all its technicians).
    assert tech2.username in told(o, "dispatched")
    # Another technician takes it.
    assert services.repair_can_take(tech2, o)
    services.repair_take(actor=tech2, order_id=o.pk)
    o.refresh_from_db()
    assert (o.status, o.technician, o.published) == (Status.TAKEN, tech2, False)


def test_a_published_order_handed_back_is_announced_again(clerk, tech, tech2):
    """The notice after a hand back is a new one, not the first publication's again
    (which the inbox would drop as already delivered); so is a second hand back. The one
    who handed it back is not told of it."""
    with time_machine.travel(T0, tick=False):
        o = published(clerk)
    for n, taker in enumerate((tech, tech2), start=1):
        with time_machine.travel(T0 + n * MINUTE, tick=False):
            services.repair_take(actor=taker, order_id=o.pk)
            services.repair_hand_back(actor=taker, order_id=o.pk, reason="工具不够")

    def told(who):
        return Notification.objects.filter(
            recipient=who, key__startswith=f"repair:{o.pk}:dispatched:"
        ).count()

    assert (told(tech), told(tech2)) == (2, 2)
    o.refresh_from_db()
    assert o.dispatched_at == T0  # the dispatch keeps its time


def test_only_the_technician_on_it_hands_it_back(clerk, dept_head, tech, tech2, other_clerk):
    o = order_in(Status.TAKEN, clerk, tech)
    for outsider in (tech2, clerk, dept_head, other_clerk):
        assert not services.repair_can_hand_back(outsider, o)
        with refused(o, ASSIGNED_ONLY, services.NotAllowed):
            services.repair_hand_back(actor=outsider, order_id=o.pk, reason="忙")
    assert services.repair_can_hand_back(tech, o)


def test_hand_back_refusals(clerk, tech):
    o = order_in(Status.TAKEN, clerk, tech)
    with refused(o, "Give the reason it is handed back."):
        services.repair_hand_back(actor=tech, order_id=o.pk, reason=" ")
    o = advance(o, to=Status.ARRIVED, clerk=clerk, technician=tech)
    with refused(
        o,
        f"Repair order {o.number} is Arrived (已到场): only an order not yet on site is passed on.",
        services.IllegalTransition,
    ):
        services.repair_hand_back(actor=tech, order_id=o.pk, reason="忙")


def test_an_order_open_to_take_is_not_handed_back(clerk, tech):
    o = published(clerk)
    with refused(o, ASSIGNED_ONLY, services.NotAllowed):
        services.repair_hand_back(actor=tech, order_id=o.pk, reason="忙")


# --- chase (催单) -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.TAKEN, Status.ARRIVED])
def test_chase_logs_it_and_tells_the_technician_and_the_head(clerk, dept_head, tech, tech2, status):
    o = order_in(status, clerk, tech)
    with time_machine.travel(T0, tick=False):
        services.repair_chase(actor=clerk, order_id=o.pk, note=" 住户第二次来电 ")
    o.refresh_from_db()
    assert o.chased_at == T0 and o.status == status
    entry = last_event(o)
    assert (entry.kind, entry.actor, entry.note, entry.data) == (
        EventKind.CHASED,
        clerk,
        "住户第二次来电",
        {"status": status},
    )
    assert told(o, "chased") == {tech.username, dept_head.username}
    notice = Notification.objects.get(recipient=tech, key__startswith=f"repair:{o.pk}:chased:")
    assert notice.kind == Notification.Kind.OVERDUE and notice.body == "住户第二次来电"
    # Chased again later: logged and told again.
    with time_machine.travel(T0 + 10 * MINUTE, tick=False):
        services.repair_chase(actor=clerk, order_id=o.pk)
    o.refresh_from_db()
    assert o.chased_at == T0 + 10 * MINUTE
    assert kinds(o).count(EventKind.CHASED) == 2
    assert Notification.objects.filter(recipient=tech, key__contains=":chased:").count() == 2


def test_chasing_an_order_nobody_holds_tells_the_head(clerk, dept_head, tech):
    reported = make_order(clerk=clerk)
    services.repair_chase(actor=clerk, order_id=reported.pk)
    assert told(reported, "chased") == {dept_head.username}
    open_to_take = published(clerk)
    services.repair_chase(actor=clerk, order_id=open_to_take.pk)
    assert told(open_to_take, "chased") == {dept_head.username}


@pytest.mark.parametrize("status", [Status.FINISHED, Status.SIGNED, Status.CLOSED])
def test_no_chasing_once_the_work_is_done(clerk, tech, status):
    o = order_in(status, clerk, tech)
    assert not services.repair_can_chase(clerk, o)
    with refused(o, f"The work on {o.number} is done.", services.IllegalTransition):
        services.repair_chase(actor=clerk, order_id=o.pk)


def test_only_the_desk_chases(clerk, duty_officer, supervisor, dept_head, tech, other_clerk):
    o = order_in(Status.TAKEN, clerk, tech)
    for outsider in (tech, dept_head, other_clerk):
        assert not services.repair_can_chase(outsider, o)
        with refused(o, DESK_ONLY, services.NotAllowed):
            services.repair_chase(actor=outsider, order_id=o.pk)
    for desk in (clerk, duty_officer, supervisor):
        assert services.repair_can_chase(desk, o)
