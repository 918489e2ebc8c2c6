"""Default departments by category for every estate that has none yet (demo data; safe
to rerun): each category goes to the estate's department of the same kind, fees to
finance. Managers change the map in the admin (分类派单)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from complaints.models import Category, CategoryDepartment
from staff.models import Department, Estate

KIND_OF_CATEGORY = {Category.FEES: Department.Kind.FINANCE}


class Command(BaseCommand):
    help = "Map each complaint category to a default department in every estate (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        made = 0
        for estate in Estate.objects.all():
            departments = dict(Department.objects.filter(estate=estate).values_list("kind", "pk"))
            for category in Category:
                kind = KIND_OF_CATEGORY.get(category, category.value)
                department_id = departments.get(kind)
                if department_id is None:
                    continue
                _, created = CategoryDepartment.objects.get_or_create(
                    estate=estate, category=category, defaults={"department_id": department_id}
                )
                made += created
        self.stdout.write(f"Default departments by category: {made} added.")
