"""Demo data: one company, two estates, their departments, one user per role, a head
for every department, units.

Idempotent: running it again changes nothing that exists.
"""

import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from staff.models import Company, Department, Estate, Resident, StaffProfile, Unit
from staff.roles import Role
from staff.services import staff_profile_set_role_group, sync_role_groups

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo logins

ESTATES = [
    ("CH", "翠湖花园", Estate.Kind.RESIDENTIAL, "滨江路 88 号"),
    ("JR", "金融中心大厦", Estate.Kind.OFFICE, "世纪大道 100 号"),
]

DEPARTMENT_NAMES = {
    Department.Kind.CUSTOMER_SERVICE: "客服中心",
    Department.Kind.ENGINEERING: "工程部",
    Department.Kind.MECHANICAL_ELECTRICAL: "机电组",
    Department.Kind.SECURITY: "保安部",
    Department.Kind.CLEANING: "保洁部",
    Department.Kind.LANDSCAPING: "绿化组",
    Department.Kind.PEST_CONTROL: "消杀组",
    Department.Kind.FINANCE: "财务部",
    Department.Kind.PARKING: "停车场",
}

# username, last name, first name, role, estate code, department kind
USERS: list[tuple[str, str, str, str, str | None, str | None]] = [
    ("clerk", "王", "小丽", Role.CLERK, "CH", Department.Kind.CUSTOMER_SERVICE),
    ("duty", "赵", "强", Role.DUTY_OFFICER, "CH", Department.Kind.SECURITY),
    ("eng_head", "李", "建国", Role.DEPARTMENT_HEAD, "CH", Department.Kind.ENGINEERING),
    ("tech", "张", "师傅", Role.TECHNICIAN, "CH", Department.Kind.ENGINEERING),
    ("tech2", "吴", "志刚", Role.TECHNICIAN, "CH", Department.Kind.ENGINEERING),
    ("supervisor", "陈", "静", Role.SUPERVISOR, "CH", Department.Kind.CUSTOMER_SERVICE),
    ("director", "刘", "志远", Role.OFFICE_DIRECTOR, "CH", None),
    ("gm", "周", "总", Role.GENERAL_MANAGER, None, None),
    ("clerk_jr", "孙", "悦", Role.CLERK, "JR", Department.Kind.CUSTOMER_SERVICE),
]

# Every department without a head gets one, so no demo complaint is routed to nobody:
# ``head_<kind>`` at 翠湖花园 (CH), ``head_<kind>_jr`` at 金融中心大厦 (JR).
# kind: family name, given name at CH, given name at JR.
HEAD_NAMES: dict[str, tuple[str, str, str]] = {
    Department.Kind.CUSTOMER_SERVICE: ("郑", "婷", "雪梅"),
    Department.Kind.ENGINEERING: ("冯", "建军", "晓东"),
    Department.Kind.MECHANICAL_ELECTRICAL: ("何", "志明", "永刚"),
    Department.Kind.SECURITY: ("高", "卫东", "振华"),
    Department.Kind.CLEANING: ("林", "秀英", "桂芳"),
    Department.Kind.LANDSCAPING: ("罗", "春生", "文斌"),
    Department.Kind.PEST_CONTROL: ("梁", "海涛", "国平"),
    Department.Kind.FINANCE: ("宋", "丽华", "慧敏"),
    Department.Kind.PARKING: ("唐", "国强", "德明"),
}


def head_username(kind: str, estate_code: str) -> str:
    return f"head_{kind}" if estate_code == "CH" else f"head_{kind}_{estate_code.lower()}"


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        sync_role_groups()
        company, _ = Company.objects.get_or_create(name="安居物业服务有限公司")
        estates = {}
        for code, name, kind, address in ESTATES:
            estates[code], _ = Estate.objects.get_or_create(
                code=code,
                defaults={"company": company, "name": name, "kind": kind, "address": address},
            )
            for dkind, dname in DEPARTMENT_NAMES.items():
                Department.objects.get_or_create(
                    estate=estates[code], kind=dkind, defaults={"name": dname}
                )
        User = get_user_model()
        for username, last, first, role, estate_code, staff_dkind in USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"last_name": last, "first_name": first}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            estate = estates.get(estate_code) if estate_code else None
            department = (
                Department.objects.get(estate=estate, kind=staff_dkind)
                if estate and staff_dkind
                else None
            )
            StaffProfile.objects.get_or_create(
                user=user, defaults={"role": role, "estate": estate, "department": department}
            )
            staff_profile_set_role_group(user=user, role=role)
            if role == Role.DEPARTMENT_HEAD and department and department.head_id is None:
                department.head = user
                department.save(update_fields=["head"])
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "last_name": "管理员"},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
        self._heads(estates)
        self._units(estates)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _heads(self, estates):
        """A department-head user for every department that has none."""
        User = get_user_model()
        for code, estate in estates.items():
            for department in Department.objects.filter(estate=estate, head__isnull=True):
                last, first_ch, first_jr = HEAD_NAMES[department.kind]
                user, created = User.objects.get_or_create(
                    username=head_username(department.kind, code),
                    defaults={
                        "last_name": last,
                        "first_name": first_ch if code == "CH" else first_jr,
                    },
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                StaffProfile.objects.get_or_create(
                    user=user,
                    defaults={
                        "role": Role.DEPARTMENT_HEAD,
                        "estate": estate,
                        "department": department,
                    },
                )
                staff_profile_set_role_group(user=user, role=Role.DEPARTMENT_HEAD)
                department.head = user
                department.save(update_fields=["head"])

    def _units(self, estates):
        rng = random.Random(2026)
        if not Unit.objects.filter(estate=estates["CH"]).exists():
            self._fill(estates["CH"], rng, buildings=6, entrances=2, floors=12, per_floor=2)
        if not Unit.objects.filter(estate=estates["JR"]).exists():
            self._fill(estates["JR"], rng, buildings=1, entrances=0, floors=20, per_floor=5)

    def _fill(self, estate, rng, *, buildings, entrances, floors, per_floor):
        units = [
            Unit(
                estate=estate,
                building=str(b),
                entrance=str(e) if entrances else "",
                room=f"{f}{r:02d}",
            )
            for b in range(1, buildings + 1)
            for e in range(1, max(entrances, 1) + 1)
            for f in range(1, floors + 1)
            for r in range(1, per_floor + 1)
        ]
        Unit.objects.bulk_create(units)
        residents = []
        for unit in Unit.objects.filter(estate=estate):
            for _ in range(rng.choice([1, 1, 2])):
                name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2])))
                phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
                residents.append(Resident(unit=unit, name=name, phone=phone))
        Resident.objects.bulk_create(residents, ignore_conflicts=True)
