"""Querysets compiled once a process (staff.prepared): the same objects and values as the
ORM gives, one query a call, compiled once, and a shape it cannot substitute refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint
from repairs.models import RepairOrder
from staff.prepared import Prepared, Shapes, ids_in, prepared
from tests.factories.complaints import make_complaint
from tests.factories.repairs import make_order

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: obj.__dict__.get(f.attname, "(deferred)") for f in obj._meta.concrete_fields}


def _log(pk: int) -> QuerySet:
    return (
        Complaint(pk=pk)
        .events.select_related("actor")
        .annotate(shout=Upper("kind"))
        .defer("data")
        .order_by("at", "id")
    )


def test_the_same_objects_as_the_orm_with_related_annotations_and_deferred(clerk):
    complaint = make_complaint(clerk=clerk)
    other = make_complaint(clerk=clerk)
    log = Prepared(_log, int)
    for c in (complaint, other, complaint):
        with CaptureQueriesContext(connection) as queries:
            ours = log(c.pk)
        assert len(queries.captured_queries) == 1
        theirs = list(_log(c.pk))
        assert [e.pk for e in ours] == [e.pk for e in theirs] != []
        for mine, orm in zip(ours, theirs, strict=True):
            assert _fields(mine) == _fields(orm)
            assert mine.__dict__.get("data", "(deferred)") == "(deferred)"
            assert mine.shout == orm.shout
            with CaptureQueriesContext(connection) as more:
                assert _fields(mine.actor) == _fields(orm.actor)
            assert more.captured_queries == []
    assert log(2_000_000_000) == []


def test_values_with_several_values_of_several_kinds(clerk):
    first = make_order(clerk=clerk)
    make_order(clerk=clerk, unit=first.unit)

    def grouped(estate_id: int, since: dt.datetime, fault: str) -> QuerySet:
        return (
            RepairOrder.objects.filter(estate_id=estate_id, reported_at__gte=since)
            .filter(Q(fault=fault) | Q(unit__isnull=True))
            .values("unit_id")
            .annotate(n=Count("pk"))
            .order_by("unit_id")
        )

    counts = Prepared(grouped, int, dt.datetime, str)
    since = timezone.now() - dt.timedelta(hours=1)
    for args in ((first.estate_id, since, "water"), (first.estate_id, since, "power")):
        assert counts(*args) == list(grouped(*args))
    assert counts(first.estate_id, since, "water") == [{"unit_id": first.unit_id, "n": 2}]
    assert counts(first.estate_id, timezone.now() + dt.timedelta(hours=1), "water") == []


def test_compiled_once_and_again_for_each_answer_of_vary(clerk):
    complaint = make_complaint(clerk=clerk)
    built = []
    zone = {"name": "a"}

    @prepared(int, vary=lambda: zone["name"])
    def log(pk: int) -> QuerySet:
        built.append(pk)
        return Complaint(pk=pk).events.order_by("at")

    for _ in range(3):
        assert [e.pk for e in log(complaint.pk)] == [e.pk for e in complaint.events.order_by("at")]
    assert len(built) == 1
    zone["name"] = "b"
    log(complaint.pk)
    log(complaint.pk)
    assert len(built) == 2
    assert built[0] < 0  # built with a stand-in, never with a real id


def test_a_value_the_orm_does_not_pass_through_is_refused(clerk):
    make_complaint(clerk=clerk)
    # icontains wraps the text in % signs: the stand-in is not a parameter of its own.
    containing = Prepared(lambda text: Complaint.objects.filter(description__icontains=text), str)
    with pytest.raises(LookupError):
        containing("漏水")
    # A list of ids is not one value either.
    listed = Prepared(lambda pk: Complaint.objects.filter(pk__in=[pk, 1]), int)
    assert listed.compiled() is not None  # each id is a parameter: accepted
    with pytest.raises(TypeError):
        Prepared(lambda pk: Complaint.objects.prefetch_related("events").filter(pk=pk), int)(1)


def test_values_of_the_wrong_kind_are_refused(clerk):
    by_pk = Prepared(lambda pk: Complaint.objects.filter(pk=pk), int)
    for wrong in ("1", True, 1.0):
        with pytest.raises(TypeError):
            by_pk(wrong)
    with pytest.raises(TypeError):
        by_pk(1, 2)


def test_a_list_of_ids_of_any_length_is_one_array_parameter(clerk):
    made = [make_complaint(clerk=clerk) for _ in range(3)]
    chosen = Prepared(
        lambda ids: Complaint.objects.filter(pk__in=ids_in(ids)).order_by("pk").values("pk"), list
    )
    for ids in ([], [made[0].pk], [c.pk for c in made], [made[2].pk, 2_000_000_000]):
        with CaptureQueriesContext(connection) as queries:
            got = [r["pk"] for r in chosen(ids)]
        assert got == sorted(pk for pk in ids if pk != 2_000_000_000)
        assert len(queries.captured_queries) == 1


def test_values_list_and_a_union(clerk):
    made = [make_complaint(clerk=clerk) for _ in range(3)]

    def either(a: int, b: int) -> QuerySet:
        first = Complaint.objects.filter(pk=a).values_list("pk", "number")
        return first.union(Complaint.objects.filter(pk=b).values_list("pk", "number"), all=True)

    both = Prepared(either, int, int)
    for a, b in ((made[0].pk, made[2].pk), (made[1].pk, made[1].pk)):
        assert sorted(both(a, b)) == sorted(either(a, b))
    reordered = Prepared(
        lambda pk: (
            Complaint.objects.filter(pk=pk).annotate(n=Count("events")).values_list("n", "pk")
        ),
        int,
    )
    with pytest.raises(TypeError):
        reordered(made[0].pk)


def test_department_heads_as_the_directory_names_them(ch):
    """staff.selectors.department_heads reads by compiled statements what
    Directory.load gives: the department-head profiles, then a named head not among
    them; an inactive profile's user is not a head."""
    from staff.models import Department
    from staff.roles import Role
    from staff.selectors import Directory, department_has_head, department_heads
    from tests.factories.staff import UserFactory, make_staff

    head = make_staff("head_a", Role.DEPARTMENT_HEAD, ch, Department.Kind.CLEANING)
    dept = head.staff_profile.department
    gone = make_staff("head_b", Role.DEPARTMENT_HEAD, ch)
    gone.staff_profile.department = dept
    gone.staff_profile.save(update_fields=["department"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    named = UserFactory(username="named_head")
    empty = Department.objects.create(estate=ch, kind=Department.Kind.LANDSCAPING, name="空")

    def directory(d):
        return Directory.load(estate_ids=(), department_ids=[d.pk], roles=()).heads(d.pk)

    assert department_heads(dept.pk) == directory(dept) == [head]
    Department.objects.filter(pk=dept.pk).update(head=named)
    assert department_heads(dept.pk) == directory(dept) == [head, named]
    Department.objects.filter(pk=dept.pk).update(head=head)
    assert department_heads(dept.pk) == directory(dept) == [head]
    assert department_heads(empty.pk) == directory(empty) == []
    assert (department_has_head(dept.pk), department_has_head(empty.pk)) == (True, False)
    assert department_heads(None) == [] and department_has_head(None) is False


def test_shapes_keep_at_most_so_many_statements_the_least_recently_used_going(clerk):
    made = make_complaint(clerk=clerk)
    built = []

    def by(shape: str, pk: int) -> QuerySet:
        built.append(shape)
        qs = Complaint.objects.filter(pk=pk)
        return qs.filter(grade="minor") if shape == "minor" else qs

    shapes = Shapes(by, lambda shape: (int,), most=2)
    for shape in ("all", "minor", "all", "other", "all", "minor"):
        assert [c.pk for c in shapes(shape, made.pk)] == [made.pk]
    # "all" stays (used again before each newcomer); "minor" went when "other" came.
    assert built == ["all", "minor", "other", "minor"]
    assert len(shapes._by_shape) == 2
