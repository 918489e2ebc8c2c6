"""Demo complaints in every state, made through the services as the desk makes them.

Idempotent: does nothing when the demo estate already has complaints.
"""

import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from complaints import services
from complaints.models import Category, Channel, Complaint, Grade
from staff.models import Department, Estate, Unit

SAMPLES = [
    (Category.ENGINEERING, "卫生间天花板漏水，楼上住户不在家", "尽快找到漏水点并维修"),
    (Category.MECHANICAL_ELECTRICAL, "3号电梯上午停运两次，老人被困10分钟", "查明原因"),
    (Category.CLEANING, "楼道垃圾两天没人清理，有异味", "每天按时清理"),
    (Category.SECURITY, "夜间有陌生人进入小区，保安未登记", "加强门岗登记"),
    (Category.PARKING, "固定车位被外来车辆占用", "清走占位车辆"),
    (Category.LANDSCAPING, "楼下绿化带修剪后树枝未清走", "清理树枝"),
    (Category.PEST_CONTROL, "厨房发现大量蟑螂", "安排消杀"),
    (Category.FEES, "物业费账单金额与合同不符", "核对并更正账单"),
    (Category.CUSTOMER_SERVICE, "前台接待态度冷淡，没有登记我的报修", "改进服务态度"),
    (Category.ENGINEERING, "楼上装修噪音，晚上十点后仍在施工", "要求按规定时间施工"),
]
NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨磊", "赵敏", "黄勇"]


class Command(BaseCommand):
    help = "Load demo complaints (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        estate = Estate.objects.get(code="CH")
        if Complaint.objects.filter(estate=estate).exists():
            self.stdout.write("Demo complaints already present.")
            return
        User = get_user_model()
        clerk, head = User.objects.get(username="clerk"), User.objects.get(username="eng_head")
        supervisor = User.objects.get(username="supervisor")
        departments = {d.kind: d for d in Department.objects.filter(estate=estate)}
        rng = random.Random(7)
        units = list(Unit.objects.filter(estate=estate).prefetch_related("residents")[:60])
        for i in range(30):
            category, text, demand = SAMPLES[i % len(SAMPLES)]
            unit = rng.choice(units)
            resident = next(iter(unit.residents.all()), None)
            grade = [Grade.MINOR] * 6 + [Grade.IMPORTANT] * 3 + [Grade.MAJOR]
            c = services.complaint_receive(
                actor=clerk,
                estate=estate,
                channel=rng.choice(list(Channel)),
                category=category,
                grade=grade[i % len(grade)],
                description=text,
                demand=demand,
                unit=unit,
                resident_name=resident.name if resident else rng.choice(NAMES),
                resident_phone=resident.phone if resident else "",
            )
            stage = i % 6  # received, routed, signed, handled, informed, closed
            if stage == 0:
                continue
            kind = {
                Category.MECHANICAL_ELECTRICAL: Department.Kind.MECHANICAL_ELECTRICAL,
                Category.CLEANING: Department.Kind.CLEANING,
                Category.SECURITY: Department.Kind.SECURITY,
                Category.PARKING: Department.Kind.PARKING,
                Category.LANDSCAPING: Department.Kind.LANDSCAPING,
                Category.PEST_CONTROL: Department.Kind.PEST_CONTROL,
                Category.FEES: Department.Kind.FINANCE,
                Category.CUSTOMER_SERVICE: Department.Kind.CUSTOMER_SERVICE,
            }.get(category, Department.Kind.ENGINEERING)
            # Engineering work goes to the demo head so that eng_head has a queue.
            dept = departments[kind]
            services.complaint_route(actor=clerk, complaint_id=c.pk, department=dept)
            if stage == 1 or dept.kind != Department.Kind.ENGINEERING:
                continue
            services.complaint_sign(actor=head, complaint_id=c.pk)
            if stage == 2:
                continue
            services.complaint_handle(actor=head, complaint_id=c.pk, note="已派维修员处理完毕")
            if stage == 3:
                continue
            services.complaint_inform(actor=clerk, complaint_id=c.pk, method="phone")
            if stage == 5:
                services.complaint_close(actor=clerk, complaint_id=c.pk)
        first_major = Complaint.objects.filter(estate=estate, grade=Grade.MAJOR).first()
        if first_major and first_major.is_open:
            services.complaint_escalate(actor=supervisor, complaint_id=first_major.pk)
        self.stdout.write(self.style.SUCCESS("Demo complaints ready."))
