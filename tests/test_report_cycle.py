"""The monthly report (月度统计, SPEC §7): built once per estate and month by the beat job
on the 30th (the last day of February), stored as a snapshot that later edits do not
change, built again on request with the changes logged, the analysis written and
submitted by the supervisor and signed off by the office director; its screens."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import types
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

import reports
from casework.permissions import IllegalTransition, NotAllowed
from complaints.models import Complaint, Grade
from reports import services, tasks
from reports.models import EventKind, MonthlyReport, ReportEvent
from staff.models import Department, Notification
from staff.roles import Role
from tests.factories.complaints import make_complaint
from tests.factories.staff import make_staff

SH = ZoneInfo("Asia/Shanghai")
NOV = dt.date(2026, 11, 1)
T_BUILD = dt.datetime(2026, 11, 30, 18, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fake_build_report(estate_ids, month_start, *, now=None, whole_list=False):
    """The shape of ``reports.monthly.build_report``, counting the complaints received
    in the month by grade (enough to see a later complaint change the figures)."""
    start = dt.datetime.combine(month_start, dt.time(), tzinfo=SH)
    end = dt.datetime.combine(
        (month_start + dt.timedelta(days=32)).replace(day=1), dt.time(), tzinfo=SH
    )
    rows = Complaint.objects.filter(
        estate_id__in=estate_ids, received_at__gte=start, received_at__lt=end
    )
    counts = {g: rows.filter(grade=g).count() for g in Grade.values}
    return {
        "month": f"{month_start:%Y-%m}",
        "estates": list(estate_ids),
        "sections": [
            {
                "key": "complaints",
                "title": "Complaints",
                "rows": [
                    {
                        "key": f"grade.{g}",
                        "label": str(Grade(g).label),
                        "value": n,
                        "previous": 3,
                        "last_year": 2,
                        "link": f"/complaints/?grade={g}",
                        "unit": "",
                    }
                    for g, n in counts.items()
                ],
            },
            {
                "key": "clocks",
                "title": "On time",
                "rows": [
                    {
                        "key": "clock.route",
                        "label": "Routed in time",
                        "value": 87.5,
                        "previous": None,
                        "last_year": 100.0,
                        "link": "javascript:alert(1)",
                        "unit": "%",
                    }
                ],
            },
        ],
        "late": [
            {
                "number": "TS-202611-0001",
                "clock": "route",
                "due": "2026-11-03T10:00:00+08:00",
                "done": None,
                "link": "/complaints/1/",
            }
        ],
        "ladder": [{"name": "李四", "department": "工程部", "count": 3, "step": "appraisal"}],
    }


@pytest.fixture
def fake_builder(monkeypatch):
    """Put the fake builder where the services look it up (``reports.monthly``)."""
    module = types.ModuleType("reports.monthly")
    module.build_report = fake_build_report
    monkeypatch.setitem(sys.modules, "reports.monthly", module)
    monkeypatch.setattr(reports, "monthly", module, raising=False)
    return module


@pytest.fixture
def built(fake_builder, clerk, supervisor, director):
    with time_machine.travel(T_BUILD - dt.timedelta(days=10), tick=False):
        make_complaint(clerk=clerk)
    with time_machine.travel(T_BUILD, tick=False):
        report = services.report_build(estate_id=clerk.staff_profile.estate_id, month=NOV)
    assert report is not None
    return report


def kinds(report):
    return list(ReportEvent.objects.filter(report=report).values_list("kind", flat=True))


def minor(data):
    return next(r["value"] for r in data["sections"][0]["rows"] if r["key"] == "grade.minor")


# The snapshot and building again ----------------------------------------------------


def test_build_stores_the_figures_logs_and_tells_supervisor_and_director(
    built, supervisor, director, clerk
):
    assert built.month == NOV
    assert built.built_by is None
    assert minor(built.data) == 1
    assert kinds(built) == [EventKind.BUILT]
    for person in (supervisor, director):
        assert Notification.objects.filter(
            recipient=person, key=f"monthly_report:{built.pk}:built"
        ).exists()
    assert not Notification.objects.filter(recipient=clerk).filter(key__startswith="monthly")


def test_stored_report_does_not_change_after_later_edits(built, clerk, supervisor):
    before = MonthlyReport.objects.get(pk=built.pk).data
    with time_machine.travel(T_BUILD + dt.timedelta(hours=1), tick=False):
        make_complaint(clerk=clerk)  # received in November, after the build
    assert MonthlyReport.objects.get(pk=built.pk).data == before

    with time_machine.travel(T_BUILD + dt.timedelta(hours=2), tick=False):
        services.report_regenerate(actor=supervisor, report_id=built.pk)
    report = MonthlyReport.objects.get(pk=built.pk)
    assert minor(report.data) == 2
    assert report.built_by == supervisor
    assert kinds(report) == [EventKind.BUILT, EventKind.REGENERATED]
    event = report.events.get(kind=EventKind.REGENERATED)
    assert event.actor == supervisor
    assert event.data["changes"] == [
        {"section": "complaints", "key": "grade.minor", "label": "Minor (轻微)", "old": 1, "new": 2}
    ]
    assert event.data["late"] == [1, 1]


def test_regenerate_with_nothing_changed_logs_no_rows(built, director):
    services.report_regenerate(actor=director, report_id=built.pk)
    assert built.events.get(kind=EventKind.REGENERATED).data["changes"] == []


def test_changed_rows_names_rows_added_and_gone():
    old = {"sections": [{"key": "s", "rows": [{"key": "a", "label": "A", "value": 1}]}]}
    new = {"sections": [{"key": "s", "rows": [{"key": "b", "label": "B", "value": 2}]}]}
    assert services.changed_rows(old, new) == [
        {"section": "s", "key": "b", "label": "B", "old": None, "new": 2},
        {"section": "s", "key": "a", "label": "A", "old": 1, "new": None},
    ]


def test_build_twice_stores_once(built, clerk):
    again = services.report_build(estate_id=clerk.staff_profile.estate_id, month=NOV)
    assert again is None
    assert MonthlyReport.objects.count() == 1
    assert kinds(built) == [EventKind.BUILT]


def test_a_build_racing_another_stores_once(built, clerk, monkeypatch):
    """The check before building is only a shortcut: the unique constraint decides."""
    monkeypatch.setattr(
        services.MonthlyReport.objects.__class__, "exists", lambda self: False, raising=False
    )
    assert services.report_build(estate_id=clerk.staff_profile.estate_id, month=NOV) is None
    assert MonthlyReport.objects.count() == 1
    assert ReportEvent.objects.count() == 1


# Who may do what, in which order ----------------------------------------------------------


def test_submit_then_sign_off(built, supervisor, director):
    with pytest.raises(IllegalTransition, match="not submitted"):
        services.report_sign(actor=director, report_id=built.pk)
    with pytest.raises(NotAllowed):
        services.report_write_analysis(actor=director, report_id=built.pk, analysis="x")
    with pytest.raises(services.ReportError, match="analysis"):
        services.report_write_analysis(
            actor=supervisor, report_id=built.pk, analysis="  ", submit=True
        )
    services.report_write_analysis(actor=supervisor, report_id=built.pk, analysis="草稿")
    assert MonthlyReport.objects.get(pk=built.pk).submitted_at is None
    services.report_write_analysis(
        actor=supervisor, report_id=built.pk, analysis="工程类投诉上升，加强巡查。", submit=True
    )
    report = MonthlyReport.objects.get(pk=built.pk)
    assert report.analysis == "工程类投诉上升，加强巡查。"
    assert report.submitted_by == supervisor
    assert Notification.objects.filter(
        recipient=director, key=f"monthly_report:{built.pk}:submitted"
    ).exists()
    with pytest.raises(IllegalTransition, match="submitted already"):
        services.report_write_analysis(actor=supervisor, report_id=built.pk, analysis="改")
    with pytest.raises(NotAllowed):
        services.report_sign(actor=supervisor, report_id=built.pk)
    services.report_sign(actor=director, report_id=built.pk)
    report = MonthlyReport.objects.get(pk=built.pk)
    assert report.signed_by == director
    assert kinds(report) == [EventKind.BUILT, EventKind.SUBMITTED, EventKind.SIGNED]
    with pytest.raises(IllegalTransition, match="signed off"):
        services.report_regenerate(actor=supervisor, report_id=built.pk)


def test_other_estates_people_and_other_roles_may_not(built, jr, gm, clerk, technician, supervisor):
    jr_supervisor = make_staff("sup_jr", Role.SUPERVISOR, jr, Department.Kind.CUSTOMER_SERVICE)
    jr_director = make_staff("dir_jr", Role.OFFICE_DIRECTOR, jr)
    for actor in (jr_supervisor, clerk, technician):
        with pytest.raises(NotAllowed):
            services.report_regenerate(actor=actor, report_id=built.pk)
    with pytest.raises(NotAllowed):
        services.report_write_analysis(actor=jr_supervisor, report_id=built.pk, analysis="x")
    with pytest.raises(NotAllowed):
        services.report_write_analysis(actor=gm, report_id=built.pk, analysis="x")
    services.report_write_analysis(
        actor=supervisor, report_id=built.pk, analysis="分析", submit=True
    )
    with pytest.raises(NotAllowed):
        services.report_sign(actor=jr_director, report_id=built.pk)
    services.report_regenerate(actor=gm, report_id=built.pk)  # the GM may, every estate


# The beat job ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2027, 2, 28), True),  # February, not a leap year: its last day
        (dt.date(2028, 2, 28), False),  # a leap year: not yet
        (dt.date(2028, 2, 29), True),
        (dt.date(2026, 4, 30), True),
        (dt.date(2026, 4, 29), False),
        (dt.date(2026, 12, 30), True),
        (dt.date(2026, 12, 31), False),
        (dt.date(2026, 1, 31), False),
        (dt.date(2026, 12, 28), False),
    ],
)
def test_report_day(day, expected):
    assert tasks.is_report_day(day) is expected


def test_beat_runs_the_job_on_days_28_to_31():
    entry = settings.CELERY_BEAT_SCHEDULE["monthly-reports"]
    assert entry["task"] == "reports.tasks.build_monthly_reports"
    assert entry["schedule"].day_of_month == {28, 29, 30, 31}
    assert entry["schedule"].hour == {18}
    assert tasks.build_monthly_reports_task.name == entry["task"]


def test_job_builds_each_estate_once_on_the_30th(fake_builder, ch, jr, supervisor):
    with time_machine.travel(dt.datetime(2026, 12, 31, 18, 0, tzinfo=SH), tick=False):
        tasks.build_monthly_reports_task.apply()
    assert MonthlyReport.objects.count() == 0  # the 31st: nothing
    with time_machine.travel(dt.datetime(2026, 11, 30, 18, 0, tzinfo=SH), tick=False):
        tasks.build_monthly_reports_task.apply()
        tasks.build_monthly_reports_task.apply()  # a retry, a second beat
    assert sorted(MonthlyReport.objects.values_list("estate__code", "month")) == [
        ("CH", NOV),
        ("JR", NOV),
    ]
    assert ReportEvent.objects.filter(kind=EventKind.BUILT).count() == 2


def test_job_on_the_last_day_of_february(fake_builder, ch):
    with time_machine.travel(dt.datetime(2027, 2, 28, 18, 0, tzinfo=SH), tick=False):
        built = tasks.build_monthly_reports()
    assert [MonthlyReport.objects.get(pk=pk).month for pk in built] == [dt.date(2027, 2, 1)]


# Screens --------------------------------------------------------------------------------


def test_page_shows_figures_links_and_late_items_but_no_ladder_to_the_supervisor(
    client, built, supervisor
):
    client.force_login(supervisor)
    response = client.get(reverse("reports:monthly", args=[built.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/complaints/?grade=minor"' in body
    assert "javascript:" not in body  # a stored link outside the product is not a link
    assert "87.5%" in body
    assert 'href="/complaints/1/"' in body and "TS-202611-0001" in body
    assert "李四" not in body and 'data-testid="ladder"' not in body
    assert 'data-testid="submit"' in body and 'data-testid="sign"' not in body
    assert 'data-testid="regenerate"' in body


@pytest.mark.parametrize("role", ["director", "gm", "manager"])
def test_managers_see_the_ladder(client, built, user_of, role):
    client.force_login(user_of(role))
    body = client.get(reverse("reports:monthly", args=[built.pk])).content.decode()
    assert "李四" in body and 'data-testid="ladder"' in body
    assert 'data-testid="submit"' not in body


def test_the_print_view_hides_the_ladder_from_the_supervisor(client, built, supervisor, director):
    url = reverse("reports:monthly_print", args=[built.pk])
    client.force_login(supervisor)
    body = client.get(url).content.decode()
    assert "print.css" in body and "report.css" in body and "李四" not in body
    client.force_login(director)
    assert "李四" in client.get(url).content.decode()


def test_another_estates_report_is_404_and_a_technician_403(client, built, jr, technician):
    other = make_staff("sup_jr", Role.SUPERVISOR, jr, Department.Kind.CUSTOMER_SERVICE)
    client.force_login(other)
    for name in ("monthly", "monthly_print", "monthly_xlsx", "monthly_csv"):
        assert client.get(reverse(f"reports:{name}", args=[built.pk])).status_code == 404
    response = client.post(reverse("reports:monthly_act", args=[built.pk, "regenerate"]))
    assert response.status_code == 404
    client.force_login(technician)
    assert client.get(reverse("reports:monthly", args=[built.pk])).status_code == 403
    assert client.get(reverse("reports:monthly_list")).status_code == 403


def test_list_scoped_to_the_estate_and_every_estate_for_the_gm(
    client, fake_builder, ch, jr, supervisor, gm, django_assert_max_num_queries
):
    for estate in (ch, jr):
        for month in (dt.date(2026, 9, 1), dt.date(2026, 10, 1), NOV):
            services.report_build(estate_id=estate.pk, month=month)
    client.force_login(supervisor)
    with django_assert_max_num_queries(8):
        body = client.get(reverse("reports:monthly_list")).content.decode()
    assert body.count('data-testid="report-') == 3 and jr.name not in body
    client.force_login(gm)
    with django_assert_max_num_queries(8):
        body = client.get(reverse("reports:monthly_list")).content.decode()
    assert body.count('data-testid="report-') == 6 and jr.name in body


def test_submit_and_sign_on_the_page(client, built, supervisor, director):
    client.force_login(supervisor)
    url = reverse("reports:monthly_act", args=[built.pk, "submit"])
    response = client.post(url, {"analysis": "加强工程部巡查。"})
    assert response.status_code == 302
    assert MonthlyReport.objects.get(pk=built.pk).submitted_by == supervisor
    # Signing is the director's: refused with 403 for the supervisor
    assert client.post(reverse("reports:monthly_act", args=[built.pk, "sign"])).status_code == 403
    client.force_login(director)
    client.post(reverse("reports:monthly_act", args=[built.pk, "sign"]))
    assert MonthlyReport.objects.get(pk=built.pk).signed_by == director
    body = client.get(reverse("reports:monthly", args=[built.pk])).content.decode()
    assert "加强工程部巡查。" in body and 'data-testid="sign"' not in body


def test_regenerate_on_the_page_shows_the_change_in_the_log(client, built, clerk, director):
    with time_machine.travel(T_BUILD + dt.timedelta(hours=1), tick=False):
        make_complaint(clerk=clerk)
    client.force_login(director)
    client.post(reverse("reports:monthly_act", args=[built.pk, "regenerate"]))
    body = client.get(reverse("reports:monthly", args=[built.pk])).content.decode()
    log = body[body.index('data-testid="report-log"') :]
    assert "<li>轻微: 1 → 2</li>" in log  # the request's language: Chinese


def test_an_unknown_action_is_404(client, built, supervisor):
    client.force_login(supervisor)
    assert client.post(reverse("reports:monthly_act", args=[built.pk, "zap"])).status_code == 404


# With the real builder -----------------------------------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("reports.monthly") is None,
    reason="reports/monthly.py (build_report) is not there yet",
)
def test_with_the_real_builder(client, clerk, supervisor, director):
    from reports.exports import report_csv, report_xlsx

    with time_machine.travel(T_BUILD - dt.timedelta(days=5), tick=False):
        make_complaint(clerk=clerk)
    with time_machine.travel(T_BUILD, tick=False):
        report = services.report_build(estate_id=clerk.staff_profile.estate_id, month=NOV)
    assert report is not None
    assert report.data["month"] == "2026-11"
    assert {"sections", "late", "ladder"} <= set(report.data)
    assert report_xlsx(report.data, title="t", ladder=True)
    assert report_csv(report.data, ladder=True)
    for user in (supervisor, director):
        client.force_login(user)
        assert client.get(reverse("reports:monthly", args=[report.pk])).status_code == 200
        assert client.get(reverse("reports:monthly_print", args=[report.pk])).status_code == 200
