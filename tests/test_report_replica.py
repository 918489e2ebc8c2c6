"""The monthly report's reads on a read replica (reports.routing): off by default; with
REPORTS_DATABASE set, every read of building the figures goes to the replica alias
(here a test mirror of the database) and nothing else does."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint
from reports import services
from reports.routing import ReportReplicaRouter, on_replica
from tests.factories.complaints import make_complaint

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "reports"])


def build(clerk) -> dict:
    month = timezone.localdate().replace(day=1)
    return services.figures([clerk.staff_profile.estate_id], month, timezone.now())


def test_off_by_default_everything_on_the_primary(clerk):
    make_complaint(clerk=clerk)
    with (
        CaptureQueriesContext(connections["reports"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        data = build(clerk)
    assert replica.captured_queries == []
    assert any("complaints_complaint" in q["sql"] for q in primary.captured_queries)
    assert [r["value"] for r in data["sections"][0]["rows"] if r["key"] == "total"] == [1]


def test_with_a_replica_the_report_reads_there(clerk):
    make_complaint(clerk=clerk)  # written before: on the primary
    make_complaint(clerk=clerk)
    with (
        override_settings(REPORTS_DATABASE="reports"),
        CaptureQueriesContext(connections["reports"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        data = build(clerk)
        # Outside the report's reads, the primary as always.
        assert Complaint.objects.count() == 2
    assert len(replica.captured_queries) >= 10
    report_tables = ("complaints_complaint", "reports_complaintmonth", "callbacks_callback")
    # Nothing of the report on the primary (its last query is the count above).
    assert not any(t in q["sql"] for q in primary.captured_queries[:-1] for t in report_tables)
    # The replica saw what the primary had committed.
    assert [r["value"] for r in data["sections"][0]["rows"] if r["key"] == "total"] == [2]


def test_router_rules():
    router = ReportReplicaRouter()
    assert router.allow_migrate("reports", "complaints") is False
    assert router.allow_migrate("default", "complaints") is None
    assert router.db_for_write(Complaint) is None
    with override_settings(REPORTS_DATABASE="reports"):
        assert router.db_for_read(Complaint) is None
        with on_replica():
            assert router.db_for_read(Complaint) == "reports"
            assert router.db_for_write(Complaint) is None
    with on_replica():
        assert router.db_for_read(Complaint) is None


def test_a_statement_compiled_once_goes_where_the_queryset_would_go_at_each_call(clerk):
    """staff.prepared compiles a statement once a process, but chooses its database at
    each call: a report built on the replica does not send a page's reads there after."""
    from staff.prepared import Prepared

    made = make_complaint(clerk=clerk)
    one = Prepared(lambda pk: Complaint.objects.filter(pk=pk), int)
    with override_settings(REPORTS_DATABASE="reports"):
        for inside in (True, False, True):
            with (
                CaptureQueriesContext(connections["reports"]) as replica,
                CaptureQueriesContext(connections["default"]) as primary,
            ):
                if inside:
                    with on_replica():
                        found = one(made.pk)
                else:
                    found = one(made.pk)
            assert [c.pk for c in found] == [made.pk]
            assert found[0]._state.db == ("reports" if inside else "default")
            assert (len(replica.captured_queries), len(primary.captured_queries)) == (
                (1, 0) if inside else (0, 1)
            )
