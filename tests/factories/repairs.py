"""Repair orders are made through the services, as the desk makes them, so every
factory-made order has its number, deadlines and log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from repairs import services
from repairs.models import Fault, RepairOrder, Status, Urgency
from staff.models import Department
from staff.roles import Role
from tests.factories.staff import UnitFactory, make_staff


def make_order(
    *,
    clerk,
    estate=None,
    urgency: str = Urgency.URGENT,
    fault: str = Fault.WATER,
    unit=None,
    description: str = "厨房水龙头漏水",
    **fields,
) -> RepairOrder:
    estate = estate or clerk.staff_profile.estate
    if unit is None and not fields.get("location"):
        unit = UnitFactory(estate=estate)
    return services.repair_report(
        actor=clerk,
        estate=estate,
        description=description,
        urgency=urgency,
        fault=fault,
        unit=unit,
        resident_name=fields.pop("resident_name", "张三"),
        resident_phone=fields.pop("resident_phone", "13812345678"),
        **fields,
    )


def make_technician(username: str, estate) -> object:
    return make_staff(username, Role.TECHNICIAN, estate, Department.Kind.ENGINEERING)


# The order of the lifecycle, and the step that reaches each status.
LIFECYCLE: list[str] = [
    Status.DISPATCHED,
    Status.TAKEN,
    Status.ARRIVED,
    Status.FINISHED,
    Status.SIGNED,
    Status.CLOSED,
]


def advance(order: RepairOrder, *, to: str, clerk, technician) -> RepairOrder:
    """Walk an order on from where it stands up to status ``to`` (assigned, not
    published)."""
    steps: dict[str, Callable[[], RepairOrder]] = {
        Status.DISPATCHED: lambda: services.repair_dispatch(
            actor=clerk, order_id=order.pk, technician=technician
        ),
        Status.TAKEN: lambda: services.repair_take(actor=technician, order_id=order.pk),
        Status.ARRIVED: lambda: services.repair_arrive(actor=technician, order_id=order.pk),
        Status.FINISHED: lambda: services.repair_finish(
            actor=technician, order_id=order.pk, work_done="更换水龙头阀芯"
        ),
        Status.SIGNED: lambda: services.repair_sign(
            actor=technician, order_id=order.pk, signed_name="张三"
        ),
        Status.CLOSED: lambda: services.repair_close(actor=clerk, order_id=order.pk),
    }
    order.refresh_from_db()
    done = LIFECYCLE.index(order.status) + 1 if order.status in LIFECYCLE else 0
    if to != order.status:
        for status in LIFECYCLE[done:]:
            steps[status]()
            if status == to:
                break
    order.refresh_from_db()
    return order


def later(minutes: float) -> dt.timedelta:
    return dt.timedelta(minutes=minutes)
