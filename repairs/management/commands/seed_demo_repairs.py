"""Demo repair orders in every state and today's shifts, made through the services as
the desk and the technicians make them.

Idempotent: does nothing when the demo estate already has repair orders.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from repairs import services
from repairs.models import Fault, RepairOrder, Shift, Status, Urgency
from staff.models import Estate, Unit

SAMPLES = [
    (Fault.WATER, Urgency.URGENT, "厨房水龙头漏水，关不住"),
    (Fault.POWER, Urgency.EMERGENCY, "整户跳闸停电，冰箱里有药品"),
    (Fault.DRAINAGE, Urgency.URGENT, "卫生间地漏堵塞返水"),
    (Fault.DOOR_LOCK, Urgency.APPOINTMENT, "入户门锁芯松动，钥匙难拧"),
    (Fault.LIFT, Urgency.URGENT, "电梯按钮不亮"),
    (Fault.OTHER, Urgency.APPOINTMENT, "阳台晾衣架绳断了"),
    (Fault.GAS, Urgency.EMERGENCY, "厨房有燃气味"),
    (Fault.WATER, Urgency.APPOINTMENT, "热水器出水不热"),
]
# Where each demo order is left.
STATES = [
    Status.REPORTED,
    Status.DISPATCHED,
    Status.DISPATCHED,
    Status.TAKEN,
    Status.ARRIVED,
    Status.FINISHED,
    Status.SIGNED,
    Status.CLOSED,
    Status.CLOSED,
    Status.CLOSED,
]


class Command(BaseCommand):
    help = "Load demo repair orders and today's shifts (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        estate = Estate.objects.get(code="CH")
        if RepairOrder.objects.filter(estate=estate).exists():
            self.stdout.write("Demo repair orders already present.")
            return
        User = get_user_model()
        clerk = User.objects.get(username="clerk")
        techs = [User.objects.get(username=u) for u in ("tech", "tech2")]
        now = timezone.now()
        start = timezone.localtime(now).replace(hour=8, minute=0, second=0, microsecond=0)
        for day in range(7):
            for tech in techs:
                Shift.objects.create(
                    estate=estate,
                    user=tech,
                    starts_at=start + dt.timedelta(days=day),
                    ends_at=start + dt.timedelta(days=day, hours=12),
                )
        # The duty officer takes the calls out of hours (004 §3.4).
        duty = User.objects.get(username="duty")
        for day in range(7):
            Shift.objects.create(
                estate=estate,
                user=duty,
                starts_at=start + dt.timedelta(days=day, hours=12),
                ends_at=start + dt.timedelta(days=day + 1),
            )
        rng = random.Random(11)
        units = list(Unit.objects.filter(estate=estate).prefetch_related("residents")[:40])
        for i, to in enumerate(STATES * 2):
            fault, urgency, text = SAMPLES[i % len(SAMPLES)]
            unit = rng.choice(units)
            resident = next(iter(unit.residents.all()), None)
            o = services.repair_report(
                actor=clerk,
                estate=estate,
                description=text,
                urgency=urgency,
                fault=fault,
                unit=unit,
                resident_name=resident.name if resident else "住户",
                resident_phone=resident.phone if resident else "",
                appointment_at=now + dt.timedelta(hours=2 + i)
                if urgency == "appointment"
                else None,
            )
            if to == Status.REPORTED:
                continue
            tech = techs[i % 2]
            published = i % 5 == 1
            services.repair_dispatch(
                actor=clerk, order_id=o.pk, technician=None if published else tech
            )
            if to == Status.DISPATCHED:
                continue
            services.repair_take(actor=tech, order_id=o.pk)
            if to == Status.TAKEN:
                continue
            services.repair_arrive(actor=tech, order_id=o.pk)
            if to == Status.ARRIVED:
                continue
            services.repair_finish(actor=tech, order_id=o.pk, work_done="已修复，试用正常")
            if to == Status.FINISHED:
                continue
            services.repair_sign(actor=tech, order_id=o.pk, signed_name=o.resident_name)
            if to == Status.SIGNED:
                continue
            services.repair_close(actor=clerk, order_id=o.pk)
        self.stdout.write(
            f"Demo repair orders: {RepairOrder.objects.filter(estate=estate).count()}."
        )
