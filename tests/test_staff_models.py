import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from staff.models import Department, StaffProfile
from staff.roles import ROLE_CAPABILITIES, Role
from staff.validators import validate_phone
from tests.factories.staff import DepartmentFactory, UserFactory


@pytest.mark.django_db
def test_every_role_has_a_group_with_its_capabilities():
    for role in Role:
        group = Group.objects.get(name=role.value)
        assert set(group.permissions.values_list("codename", flat=True)) == set(
            ROLE_CAPABILITIES[role]
        )


def test_role_permissions_reach_the_user(clerk, dept_head):
    assert clerk.has_perm("staff.use_intake_desk")
    assert not clerk.has_perm("staff.use_department_queue")
    assert dept_head.has_perm("staff.use_department_queue")


def test_a_department_role_needs_a_department(ch):
    profile = StaffProfile(user=UserFactory(), role=Role.TECHNICIAN, estate=ch)
    with pytest.raises(ValidationError) as exc:
        profile.full_clean()
    assert "department" in exc.value.message_dict


def test_the_department_must_be_of_the_same_estate(ch, jr):
    dept = DepartmentFactory(estate=jr, kind=Department.Kind.ENGINEERING)
    profile = StaffProfile(user=UserFactory(), role=Role.TECHNICIAN, estate=ch, department=dept)
    with pytest.raises(ValidationError) as exc:
        profile.full_clean()
    assert "department" in exc.value.message_dict


def test_only_company_roles_may_lack_an_estate(db):
    StaffProfile(user=UserFactory(), role=Role.GENERAL_MANAGER).full_clean()
    with pytest.raises(ValidationError):
        StaffProfile(user=UserFactory(username="x"), role=Role.CLERK).full_clean()


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "+8613812345678",
        "021-55551234",
        "0755-2345678",
        "(021) 5555 1234",
        "55551234",
        "400-123-4567",
        "010-62345678-802",
    ],
)
def test_valid_phones(phone):
    validate_phone(phone)


@pytest.mark.parametrize(
    "phone", ["12345", "12812345678", "1381234567", "abc", "138123456789", "021-555"]
)
def test_invalid_phones(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)
