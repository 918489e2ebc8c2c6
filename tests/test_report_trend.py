"""The monthly report's charts: the twelve months' trend by grade, each department's
on-time resolution, and the mixes taken from the report."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from complaints import services
from reports.trend import department_on_time, mix, trend
from tests.factories.complaints import advance, make_complaint

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return time_machine.travel(dt.datetime(y, m, d, h, 0, tzinfo=SH), tick=False)


def test_the_trend_counts_each_month_by_grade_at_local_month_ends(clerk, ch, jr):
    with at(2026, 11, 30, 23):  # 23:00 in Shanghai: still November
        make_complaint(clerk=clerk)
    with at(2026, 12, 1, 0):  # midnight: December, not counted in November's trend
        make_complaint(clerk=clerk)
    with at(2025, 12, 1, 9):  # the first of the twelve months
        make_complaint(clerk=clerk, grade="important")
    with at(2025, 11, 30, 9):  # thirteen months back: not drawn
        make_complaint(clerk=clerk)
    t = trend([ch.pk], dt.date(2026, 11, 1))
    assert t["months"][0] == "2025-12" and t["months"][-1] == "2026-11"
    assert len(t["months"]) == 12
    by_grade = {s["name"]: s["data"] for s in t["series"]}
    assert sum(sum(v) for v in by_grade.values()) == 2
    assert sum(v[-1] for v in by_grade.values()) == 1
    assert sum(v[0] for v in by_grade.values()) == 1
    assert trend([jr.pk], dt.date(2026, 11, 1))["series"][0]["data"] == [0] * 12


def test_departments_on_time_resolution(clerk, dept_head):
    with at(2026, 11, 2):
        late = advance(make_complaint(clerk=clerk), to="signed", clerk=clerk, head=dept_head)
        on_time = advance(make_complaint(clerk=clerk), to="signed", clerk=clerk, head=dept_head)
        services.complaint_handle(actor=dept_head, complaint_id=on_time.pk, note="修好了")
    with at(2026, 11, 20):
        services.complaint_handle(actor=dept_head, complaint_id=late.pk, note="修好了")
    with at(2026, 12, 1):
        rows = department_on_time([clerk.staff_profile.estate_id], dt.date(2026, 11, 1))
    assert rows == [{"name": dept_head.staff_profile.department.name, "due": 2, "rate": 50.0}]


def test_mix_takes_the_report_rows_and_leaves_zeros_out():
    report = {
        "sections": [
            {
                "rows": [
                    {"key": "grade.minor", "label": "轻微", "value": 3},
                    {"key": "grade.major", "label": "重大", "value": 0},
                    {"key": "category.cleaning", "label": "保洁", "value": 2},
                ]
            }
        ]
    }
    assert mix(report, "grade.") == [{"name": "轻微", "value": 3}]
    assert mix(report, "category.") == [{"name": "保洁", "value": 2}]
