"""The estate overview and the monthly report (月度统计, SPEC §7): the stored reports of
the user's estates, one report's page (figures, late items, the staff complained about
repeatedly for managers only, the analysis and the sign-off), its A4 print and its
XLSX and CSV exports. Another estate's report by URL is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from staff.access import capability_required, estates_for, has_capability
from staff.roles import VIEW_ALL_ESTATES, VIEW_ESTATE_OVERVIEW

from . import exports, services
from .models import MonthlyReport
from .selectors import estate_overview

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Two years of every estate of a company fit; older ones are in the admin.
MONTHLY_LIST_LIMIT = 500


class AnalysisForm(forms.Form):
    analysis = forms.CharField(
        label=gettext_lazy("Analysis and improvement measures (分析与改进措施)"),
        required=False,
        max_length=services.ANALYSIS_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


@require_GET
@capability_required(VIEW_ESTATE_OVERVIEW)
def overview(request: HttpRequest) -> HttpResponse:
    estates = list(estates_for(request.user).select_related("company").order_by("code"))
    figures = estate_overview(request.user)
    rows = [(estate, figures.get(estate.pk, {})) for estate in estates]
    return render(request, "reports/overview.html", {"rows": rows})


# The monthly report (月度统计, SPEC §7) -------------------------------------------------


def _report(user, pk: int) -> MonthlyReport:
    """The report, if it is of an estate the user sees; otherwise 404."""
    report = (
        MonthlyReport.objects.filter(estate__in=estates_for(user), pk=pk)
        .select_related("estate", "built_by", "submitted_by", "signed_by")
        .first()
    )
    if report is None:
        raise Http404
    return report


def _safe_link(link: object) -> str:
    """Only a link inside the product (a path): the stored figures are data."""
    if isinstance(link, str) and link.startswith("/") and not link.startswith("//"):
        return link
    return ""


def _sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            **section,
            "rows": [{**row, "link": _safe_link(row.get("link"))} for row in section["rows"]],
        }
        for section in data.get("sections", [])
    ]


def _report_context(request: HttpRequest, report: MonthlyReport) -> dict[str, Any]:
    user = request.user
    data = report.data or {}
    ladder = services.can_see_ladder(user)
    events = list(report.events.select_related("actor"))
    return {
        "report": report,
        "charts": data.get("charts"),
        "sections": _sections(data),
        "late": [{**item, "link": _safe_link(item.get("link"))} for item in data.get("late", [])],
        "ladder": data.get("ladder", []) if ladder else None,
        "events": events,
        "can_write": services.report_can_write.allows(user, report),
        "can_sign": services.report_can_sign.allows(user, report),
        "can_regenerate": services.report_can_regenerate.allows(user, report),
        "form": AnalysisForm(initial={"analysis": report.analysis}),
    }


@require_GET
@capability_required(VIEW_ESTATE_OVERVIEW)
def monthly_list(request: HttpRequest) -> HttpResponse:
    """The stored monthly reports of the user's estates (every estate: the general
    manager)."""
    reports = (
        MonthlyReport.objects.filter(estate__in=estates_for(request.user))
        .select_related("estate")
        .only(
            "pk",
            "month",
            "built_at",
            "submitted_at",
            "signed_at",
            "estate__name",
            "estate__code",
        )
        .order_by("-month", "estate__code")[:MONTHLY_LIST_LIMIT]
    )
    # The company total of any month: those reported on, and the last one.
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    months = sorted({r.month for r in reports} | {last}, reverse=True)
    return render(
        request,
        "reports/monthly_list.html",
        {
            "reports": reports,
            "company_months": months if has_capability(request.user, VIEW_ALL_ESTATES) else [],
        },
    )


@require_GET
@capability_required(VIEW_ESTATE_OVERVIEW)
def monthly(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request.user, pk)
    return render(request, "reports/monthly.html", _report_context(request, report))


@require_GET
@capability_required(VIEW_ESTATE_OVERVIEW)
def monthly_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The report on A4, to hand upward with the analysis and the signatures."""
    report = _report(request.user, pk)
    return render(request, "reports/monthly_print.html", _report_context(request, report))


def _filename(report: MonthlyReport, ext: str) -> str:
    return f"monthly-{report.estate.code}-{report.month:%Y-%m}.{ext}"


@require_GET
@capability_required(VIEW_ESTATE_OVERVIEW)
def monthly_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request.user, pk)
    title = f"{report.estate.name} {report.month:%Y-%m}"
    body = exports.report_xlsx(
        report.data or {}, title=title, ladder=services.can_see_ladder(request.user)
    )
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response


@require_GET
@capability_required(VIEW_ESTATE_OVERVIEW)
def monthly_csv(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request.user, pk)
    body = exports.report_csv(report.data or {}, ladder=services.can_see_ladder(request.user))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    return response


@require_POST
@capability_required(VIEW_ESTATE_OVERVIEW)
def monthly_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Save the analysis, submit it, sign off, or build the figures again."""
    report = _report(request.user, pk)
    user = cast(User, request.user)
    try:
        if verb in ("save", "submit"):
            form = AnalysisForm(request.POST)
            if not form.is_valid():
                raise services.ReportError(
                    " ".join(str(e) for errors in form.errors.values() for e in errors)
                )
            services.report_write_analysis(
                actor=user,
                report_id=report.pk,
                analysis=form.cleaned_data["analysis"],
                submit=verb == "submit",
            )
            done = _("Submitted to the office director.") if verb == "submit" else _("Saved.")
        elif verb == "sign":
            services.report_sign(actor=user, report_id=report.pk)
            done = _("Signed off.")
        elif verb == "regenerate":
            services.report_regenerate(actor=user, report_id=report.pk)
            done = _("The figures were built again; the log says what changed.")
        else:
            raise Http404
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("reports:monthly", pk=report.pk)


# The company total (公司合计): the general manager's month over every estate ------------


def _company_month(year: int, month: int) -> dt.date:
    """The first day of the month asked for: a month that has begun, or 404."""
    try:
        first = dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc
    if first > timezone.localdate():
        raise Http404
    return first


def _next_month(first: dt.date) -> dt.date | None:
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return following if following <= timezone.localdate() else None


def _company_figures(request: HttpRequest, first: dt.date) -> dict[str, Any]:
    """Built now, from every estate the reader sees (the company), on the report
    replica when there is one. Not stored: each estate's stored report is the record."""
    ids = list(estates_for(request.user).values_list("pk", flat=True))
    return services.figures(ids, first, timezone.now(), whole_list=True)


@require_GET
@capability_required(VIEW_ALL_ESTATES)
def monthly_company(request: HttpRequest, year: int, month: int) -> HttpResponse:
    first = _company_month(year, month)
    data = _company_figures(request, first)
    ladder = services.can_see_ladder(request.user)
    return render(
        request,
        "reports/monthly_company.html",
        {
            "month": first,
            "previous": (first - dt.timedelta(days=1)).replace(day=1),
            "next": _next_month(first),
            "built_at": timezone.now(),
            "charts": data.get("charts"),
            "sections": _sections(data),
            "late": [{**i, "link": _safe_link(i.get("link"))} for i in data.get("late", [])],
            "ladder": data.get("ladder", []) if ladder else None,
        },
    )


@require_GET
@capability_required(VIEW_ALL_ESTATES)
def monthly_company_export(request: HttpRequest, year: int, month: int, fmt: str) -> HttpResponse:
    first = _company_month(year, month)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    data = _company_figures(request, first)
    ladder = services.can_see_ladder(request.user)
    filename = f"monthly-company-{first:%Y-%m}.{fmt}"
    if fmt == "xlsx":
        title = _("Company total %(month)s") % {"month": f"{first:%Y-%m}"}
        response = HttpResponse(
            exports.report_xlsx(data, title=title, ladder=ladder), content_type=XLSX
        )
    else:
        response = HttpResponse(
            exports.report_csv(data, ladder=ladder), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
