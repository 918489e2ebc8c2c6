"""The request's user, loaded by DeskBackend in one query compiled once a process."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from staff import notify
from staff.backends import DeskBackend, _user_query
from staff.models import Department, StaffProfile
from staff.roles import Role
from tests.factories.staff import UserFactory, make_staff


def _load(user_id):
    with CaptureQueriesContext(connection) as queries:
        user = DeskBackend().get_user(user_id)
    return user, len(queries.captured_queries)


def _fields(user):
    return {f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields}


def test_the_user_their_profile_estate_and_department_in_one_query(dept_head):
    user, queries = _load(dept_head.pk)
    assert queries == 1
    assert _fields(user) == _fields(dept_head)
    with CaptureQueriesContext(connection) as more:
        profile = user.staff_profile
        assert (profile.role, profile.estate.code) == (Role.DEPARTMENT_HEAD, "CH")
        assert profile.department.pk == dept_head.staff_profile.department_id
        assert profile.user is user
    assert more.captured_queries == []


def test_the_same_user_as_the_orm_builds(supervisor, clerk):
    notify.notify(key="k1", subject="s", recipients=[supervisor])
    for someone in (supervisor, clerk):
        user, _ = _load(someone.pk)
        expected = _user_query(someone.pk).get()
        assert _fields(user) == _fields(expected)
        assert _fields(user.staff_profile) == _fields(expected.staff_profile)
        assert sorted(user.loaded_capabilities) == sorted(expected.loaded_capabilities)
        assert user.loaded_unread_lines == expected.loaded_unread_lines


def test_capabilities_from_the_role_and_granted_directly_staff_ones_only(clerk):
    user, _ = _load(clerk.pk)
    assert "use_intake_desk" in user._capabilities
    assert "use_department_queue" not in user._capabilities
    clerk.user_permissions.add(
        Permission.objects.get(codename="use_department_queue"),
        Permission.objects.get(codename="add_group"),  # auth's, not a desk capability
    )
    user, queries = _load(clerk.pk)
    assert queries == 1
    assert "use_department_queue" in user._capabilities
    assert "add_group" not in user._capabilities


def test_a_change_of_group_counts_from_the_next_request(clerk):
    """Compiled once, answered afresh: nothing of a user is kept between requests."""
    assert "use_intake_desk" in _load(clerk.pk)[0]._capabilities
    clerk.groups.set([Group.objects.get(name=Role.TECHNICIAN.value)])
    assert "use_intake_desk" not in _load(clerk.pk)[0]._capabilities


def test_the_unread_count_counts_threads(clerk):
    assert _load(clerk.pk)[0].loaded_unread_lines == 0
    for key in ("complaint:1", "complaint:1", "complaint:2"):
        notify.notify(key=key, subject=key, recipients=[clerk])
    assert _load(clerk.pk)[0].loaded_unread_lines == 2


def test_a_user_without_a_profile(manager):
    user, queries = _load(manager.pk)
    assert queries == 1 and user.is_superuser
    assert not hasattr(user, "_capabilities")  # a superuser's are asked of Django
    with CaptureQueriesContext(connection) as more, pytest.raises(StaffProfile.DoesNotExist):
        user.staff_profile  # noqa: B018
    assert more.captured_queries == []  # known to have none


@pytest.mark.django_db
def test_no_user_for_an_inactive_unknown_or_malformed_id():
    inactive = UserFactory(is_active=False)
    assert DeskBackend().get_user(inactive.pk) is None
    assert DeskBackend().get_user(inactive.pk + 1000) is None
    assert DeskBackend().get_user("not-an-id") is None
    assert DeskBackend().get_user(str(UserFactory().pk)) is not None


@pytest.mark.django_db(transaction=True)
def test_each_thread_answers_on_its_own_connection(ch):
    # A connection belongs to its thread: the query compiled in one runs on the other's
    # connection, and its converters are not handed the first one's.
    clerk = make_staff("clerk", Role.CLERK, ch, Department.Kind.CUSTOMER_SERVICE)
    supervisor = make_staff("supervisor", Role.SUPERVISOR, ch, Department.Kind.CUSTOMER_SERVICE)
    notify.notify(key="k2", subject="s", recipients=[supervisor])
    assert DeskBackend().get_user(clerk.pk) is not None  # compiled here, if not already
    seen = {}

    def load(user):
        try:
            seen[user.username] = DeskBackend().get_user(user.pk).loaded_unread_lines
        finally:
            connection.close()

    for user in (clerk, supervisor):
        t = threading.Thread(target=load, args=(user,))
        t.start()
        t.join()
    assert seen == {"clerk": 0, "supervisor": 1}


def test_whether_the_role_may_see_contact_data_comes_with_the_user(clerk, no_role):
    from staff.models import ContactRole
    from staff.privacy import role_may_reveal

    user, queries = _load(clerk.pk)
    assert queries == 1
    with CaptureQueriesContext(connection) as more:
        assert role_may_reveal(user) is True
    assert more.captured_queries == []
    ContactRole.objects.filter(role=Role.CLERK).update(may_reveal=False)
    assert role_may_reveal(_load(clerk.pk)[0]) is False  # the next request sees the change
    assert _load(no_role.pk)[0]._contact_role_may_reveal is False  # no profile, no role
