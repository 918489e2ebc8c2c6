import factory
from django.contrib.auth import get_user_model

from staff.models import Company, Department, Estate, Resident, StaffProfile, Unit
from staff.roles import Role
from staff.services import staff_profile_set_role_group

PASSWORD = "correct-horse-battery"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("name",)

    name = "安居物业服务有限公司"


class EstateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Estate
        django_get_or_create = ("code",)

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"E{n}")
    name = factory.Sequence(lambda n: f"小区{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("estate", "kind")

    estate = factory.SubFactory(EstateFactory)
    kind = Department.Kind.ENGINEERING
    name = factory.LazyAttribute(lambda o: str(Department.Kind(o.kind).label))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "王"
    first_name = "测试"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.CLERK
    estate = factory.SubFactory(EstateFactory)
    department = None

    @factory.post_generation
    def group(obj, create, extracted, **kwargs):
        if create:
            staff_profile_set_role_group(user=obj.user, role=obj.role)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    estate = factory.SubFactory(EstateFactory)
    building = "1"
    entrance = "1"
    room = factory.Sequence(lambda n: f"{100 + n}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    unit = factory.SubFactory(UnitFactory)
    name = "李四"
    phone = factory.Sequence(lambda n: f"139{n:08d}")


def make_staff(username: str, role: str, estate=None, department_kind=None):
    """A user with a profile of ``role``, in ``estate`` (and a department of that kind)."""
    department = DepartmentFactory(estate=estate, kind=department_kind) if department_kind else None
    user = UserFactory(username=username)
    StaffProfileFactory(user=user, role=role, estate=estate, department=department)
    return user
