"""The desk's callback screens (回访, SPEC §6): the list of callbacks due, one callback's
page with its short form, the public letter (公开信) answering several at once, and the
drawn signature of a visit.

Who: the service desk records (``callback_can_record``); the estate's supervisors and
directors read. Another estate's callback or letter by URL is a 404. The list reads a
constant number of queries whatever the number of callbacks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import FETCH_PEERS, Count, Q, QuerySet, Sum, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from complaints.models import Complaint
from complaints.selectors import complaints_for
from repairs.models import RepairOrder
from repairs.selectors import orders_for
from staff.access import (
    AuthenticatedHttpRequest,
    capability_required,
    estates_for,
    has_capability,
    is_desk,
    profile_of,
)
from staff.models import Estate
from staff.prepared import Prepared, Shapes, prepared
from staff.roles import (
    USE_DEPARTMENT_QUEUE,
    USE_INTAKE_DESK,
    USE_REPAIR_ORDERS,
    VIEW_ALL_ESTATES,
    VIEW_ESTATE_OVERVIEW,
)

from . import policy, services
from .forms import CallbackFilterForm, LetterForm, RecordForm
from .models import Callback, CallbackWeek, Kind, PublicLetter, Satisfaction, Status
from .rates import month_rates

# The desk calls back; the estate's managers read how it goes.
read_required = capability_required(USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW)
desk_required = capability_required(USE_INTAKE_DESK)
# A visit's signature shows on the complaint's and the repair order's pages too: whoever
# reads the case sees it (scoped by the case below).
case_readers = capability_required(
    USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW, USE_DEPARTMENT_QUEUE, USE_REPAIR_ORDERS
)

PAGE_SIZE = 50
MAX_PAGE = 2000
WEEKS_SHOWN = 8  # the hand-in weeks summed up beside the list

# What a list row and a callback's page show of the cases: never the drawn signatures
# (PNGs) nor the complaint's search column.
CASE_RELATED = (
    "department",
    "complaint",
    "complaint__unit",
    "complaint__department",
    "repair_order",
    "repair_order__unit",
    "repair_order__technician",
)
HEAVY = ("signature", "complaint__search_bigrams", "repair_order__signature")
# The list joins only the cases (a planner given eight joins spends longer planning
# than running); their units and the technician come by one query each.
LIST_PREFETCH = (
    "complaint__unit",
    "complaint__department",
    "repair_order__unit",
    "repair_order__technician",
)

# What a row of the list shows and needs (callbacks.rows, its clock, staff.privacy's
# masking and the case's own rule on who may reveal): the cases' other forty-odd
# columns are never read, and building fifty complaints and repair orders whole was a
# quarter of the page.
_CASE_READS = (
    *("number", "unit", "location", "description", "resident_name", "resident_phone"),
    *("estate", "status"),
)
LIST_READS = (
    *("kind", "complaint", "repair_order", "department__name", "week_of", "estate"),
    *("callback_due", "opened_at", "status", "tries", "last_tried_at", "done_at"),
    *(f"complaint__{f}" for f in (*_CASE_READS, "department")),
    *(f"repair_order__{f}" for f in (*_CASE_READS, "technician")),
)
# Should a row ever ask for a column left out, it is read for the whole page at once.
# The tests set FETCH_RAISE here to prove that no row asks.
LIST_FETCH_MODE = FETCH_PEERS


def _reached_estate(user) -> int | None:
    """The estate whose callbacks the user may see; 0 for every estate, None for none."""
    if user.is_superuser or has_capability(user, VIEW_ALL_ESTATES):
        return 0
    profile = profile_of(user)
    if profile is None or profile.estate_id is None:
        return None
    return profile.estate_id


def _of_estate(estate_id: int | None) -> QuerySet[Callback]:
    qs = Callback.objects.all()
    if estate_id is None:
        return qs.none()
    return qs.filter(estate_id=estate_id) if estate_id else qs


def callbacks_for(user) -> QuerySet[Callback]:
    """The callbacks of the estates whose work the user may see."""
    return _of_estate(_reached_estate(user))


def _one(estate_id: int, pk: int) -> QuerySet[Callback]:
    return (
        _of_estate(estate_id)
        .select_related("estate", "done_by", "letter", "department")
        .defer("signature")
        .annotate(signed=Q(signature__isnull=False))
        .filter(pk=pk)
    )


# A callback's page: compiled once for a user of every estate, once for one of an estate.
_one_anywhere = Prepared(lambda pk: _one(0, pk), int)
_one_of_estate = Prepared(_one, int, int)


def _callback(user, pk: int) -> Callback:
    """The callback, then its case with the case's unit and department or technician:
    two queries of a few joins each. As one, of ten joins, PostgreSQL spent ~5 ms
    choosing their order to read one row in 0.7."""
    estate_id = _reached_estate(user)
    if estate_id is None or not 0 < pk < 2**63:
        raise Http404
    found = _one_of_estate(estate_id, pk) if estate_id else _one_anywhere(pk)
    if not found:
        raise Http404
    cb = found[0]
    if cb.complaint_id is not None:
        (cb.complaint,) = _complaint(cb.complaint_id)
    elif cb.repair_order_id is not None:
        (cb.repair_order,) = _repair_order(cb.repair_order_id)
    return cb


# The callback's case, by the id the callback holds (compiled once a process).
_complaint = Prepared(
    lambda pk: (
        Complaint.objects.select_related("unit", "department").defer("search_bigrams").filter(pk=pk)
    ),
    int,
)
_repair_order = Prepared(
    lambda pk: (
        RepairOrder.objects.select_related("unit", "technician").defer("signature").filter(pk=pk)
    ),
    int,
)


def _estate(request: HttpRequest) -> Estate:
    """The user's estate; a manager over several works at the estate of ``?estate=``."""
    profile = profile_of(request.user)
    if profile is not None and profile.estate_id:
        assert profile.estate is not None
        return profile.estate
    chosen = request.GET.get("estate", "")
    if chosen:
        if not chosen.isdigit() or len(chosen) > 12:
            raise Http404
        return get_object_or_404(estates_for(request.user), pk=chosen)
    estate = estates_for(request.user).first()
    if estate is None:
        raise PermissionDenied
    return estate


def _estate_choices(request: HttpRequest) -> list[Estate]:
    """The estates to switch between, for a manager over several (else none)."""
    profile = profile_of(request.user)
    if profile is not None and profile.estate_id:
        return []
    return list(estates_for(request.user).only("pk", "name", "code"))


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return min(max(int(raw), 1), MAX_PAGE) if raw.isdigit() and len(raw) < 7 else 1


def _weeks(estate: Estate) -> list[Any]:
    """The repair callbacks of the last hand-in weeks (003 §5.7: engineering hands in
    each Friday, the desk calls back the week after): done and still due per week. From
    the counts the database keeps by week and status (``CallbackWeek``): a few rows,
    where counting the callbacks themselves read ~24,000 index entries (5 ms)."""
    return _weeks_since(estate.pk, timezone.localdate() - dt.timedelta(weeks=WEEKS_SHOWN))


@prepared(int, dt.date)
def _weeks_since(estate_id: int, since: dt.date) -> QuerySet:
    def of(status: str) -> Coalesce:
        return Coalesce(Sum("n", filter=Q(status=status)), 0)

    return (
        CallbackWeek.objects.filter(estate_id=estate_id, week_of__gte=since)
        .values("week_of")
        .annotate(
            total=Sum("n"),
            done=of(Status.DONE),
            unreachable=of(Status.UNREACHABLE),
            due=of(Status.DUE),
        )
        .filter(total__gt=0)
        .order_by("-week_of")
    )


# The list's shape: whether a kind and a week are chosen, the page (its slice) and the
# fetch mode of its rows (LIST_FETCH_MODE).
ListShape = tuple[bool, bool, int, Any]


def _due(shape: ListShape, estate_id: int, *chosen: Any) -> QuerySet[Callback]:
    by_kind, by_week, _page, _mode = shape
    given = iter(chosen)
    qs = Callback.objects.filter(estate_id=estate_id, status=Status.DUE)
    if by_kind:
        qs = qs.filter(kind=next(given))
    if by_week:
        qs = qs.filter(kind=Kind.REPAIR, week_of=next(given))
    return qs


def _chosen_kinds(shape: ListShape) -> tuple[type, ...]:
    by_kind, by_week, _page, _mode = shape
    return (int, *((str,) if by_kind else ()), *((dt.date,) if by_week else ()))


def _page_of(shape: ListShape, estate_id: int, *chosen: Any) -> QuerySet[Callback]:
    page, mode = shape[2], shape[3]
    return (
        _due(shape, estate_id, *chosen)
        .select_related("department", "complaint", "repair_order")
        .only(*LIST_READS)
        .fetch_mode(mode)
        .order_by("callback_due", "pk")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1]
    )


def _counted(shape: ListShape, estate_id: int, *values: Any) -> QuerySet:
    *chosen, now = values
    return (
        _due(shape, estate_id, *chosen)
        .order_by()
        .values("estate_id")
        .annotate(due=Count("pk"), overdue=Count("pk", filter=Q(callback_due__lt=now)))
    )


# The list read all day, compiled once for each shape (staff.prepared).
_pages = Shapes(_page_of, _chosen_kinds)
_counts = Shapes(_counted, lambda shape: (*_chosen_kinds(shape), dt.datetime))


@require_GET
@read_required
def callback_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The estate's callbacks due, oldest deadline first; a week's repair callbacks with
    ``?week=``; the desk picks several to answer with one public letter."""
    estate = _estate(request)
    form = CallbackFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request)
    chosen = [v for v in (filters.get("kind") or None, filters.get("week")) if v is not None]
    shape = (bool(filters.get("kind")), bool(filters.get("week")), page, LIST_FETCH_MODE)
    rows = _pages(shape, estate.pk, *chosen)
    # Their units and the technician, one query each (see LIST_PREFETCH).
    prefetch_related_objects(rows, *LIST_PREFETCH)
    now = timezone.now()
    counted = _counts(shape[:2] + (0, None), estate.pk, *chosen, now)
    counts = counted[0] if counted else {"due": 0, "overdue": 0}
    query = request.GET.copy()
    query.pop("page", None)
    estates = _estate_choices(request)
    context = {
        "estate": estate,
        "estates": estates,
        "estate_param": str(estate.pk) if estates else "",
        "kind": filters.get("kind", ""),
        "week": filters.get("week"),
        "callbacks": rows[:PAGE_SIZE],
        "due_count": counts["due"],
        "overdue": counts["overdue"],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "query": query.urlencode(),
        "weeks": _weeks(estate),
        "can_call_back": is_desk(request.user, estate.pk),
        "now": now,
    }
    return render(request, "callbacks/list.html", context)


@require_GET
@read_required
def rates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The month's callback rates of the estate (``?month=YYYY-MM``, this month by
    default), against their targets: on their own page, as they cost an aggregate over
    the month's callbacks."""
    estate = _estate(request)
    today = timezone.localdate()
    month = today.replace(day=1)
    raw = request.GET.get("month", "")
    if raw:
        year, _sep, number = raw[:7].partition("-")
        if not (year.isdigit() and number.isdigit() and 2000 <= int(year) <= 2100):
            raise Http404
        if not 1 <= int(number) <= 12:
            raise Http404
        month = dt.date(int(year), int(number), 1)
    estates = _estate_choices(request)
    context = {
        "estate": estate,
        "estates": estates,
        "estate_param": str(estate.pk) if estates else "",
        "month": month,
        "previous": (month - dt.timedelta(days=1)).replace(day=1),
        "next": (month + dt.timedelta(days=32)).replace(day=1)
        if month < today.replace(day=1)
        else None,
        "rates": month_rates([estate.pk], month),
    }
    return render(request, "callbacks/rates.html", context)


# --- one callback ---------------------------------------------------------------------


def _record_context(request, cb: Callback, form: RecordForm | None = None) -> dict[str, Any]:
    can_record = services.callback_can_record(request.user, cb)
    case_filter = (
        Q(complaint_id=cb.complaint_id)
        if cb.complaint_id
        else Q(repair_order_id=cb.repair_order_id)
    )
    earlier = (
        Callback.objects.filter(case_filter)
        .exclude(pk=cb.pk)
        .select_related("done_by")
        .defer("signature")
        .order_by("-opened_at", "-pk")
    )
    return {
        "cb": cb,
        "case": cb.case,
        "form": form if form is not None else (RecordForm(kind=cb.kind) if can_record else None),
        "can_record": can_record,
        "events": cb.events.select_related("actor").order_by("at", "id"),
        "earlier": list(earlier),
        "max_tries": policy.max_tries(),
        "back": _list_url(request, cb.estate_id),
        "now": timezone.now(),
    }


def _list_url(request: HttpRequest, estate_id: int) -> str:
    """The list, at the callback's estate for a manager who picks one."""
    url = reverse("callbacks:list")
    profile = profile_of(request.user)
    if profile is None or not profile.estate_id:
        url += "?" + urlencode({"estate": estate_id})
    return url


@require_GET
@read_required
def record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One callback: the case in short, the tries so far and the form (the desk), or its
    result (recorded already, or a manager reading)."""
    cb = _callback(request.user, pk)
    return render(request, "callbacks/record.html", _record_context(request, cb))


def _error_status(exc: Exception) -> int:
    if isinstance(exc, services.NotAllowed):
        return 403
    if isinstance(exc, services.Conflict | services.IllegalTransition):
        return 409
    return 400


def _recorded_message(cb: Callback) -> str:
    n = cb.case.number if cb.case is not None else ""
    if cb.status == Status.UNREACHABLE:
        return _("%(n)s: not reached %(t)d times, recorded as unreachable.") % {
            "n": n,
            "t": cb.tries,
        }
    if cb.status == Status.DUE:
        return _("%(n)s: not reached (try %(t)d of %(max)d). Call again later.") % {
            "n": n,
            "t": cb.tries,
            "max": policy.max_tries(),
        }
    if cb.satisfaction != Satisfaction.NOT_SATISFIED:
        return _("Callback of %(n)s recorded: %(s)s.") % {
            "n": n,
            "s": cb.get_satisfaction_display(),
        }
    if cb.kind == Kind.COMPLAINT:
        # As it is now: reopened by the callback just recorded.
        c = Complaint.objects.select_related("department").filter(pk=cb.complaint_id or 0).first()
        return _(
            "Callback of %(n)s recorded: not satisfied. The complaint is reopened and back "
            "with %(d)s."
        ) % {"n": n, "d": c.department.name if c is not None and c.department else "—"}
    rework = (
        RepairOrder.objects.filter(rework_of_id=cb.repair_order_id)
        .order_by("-pk")
        .values_list("number", flat=True)
        .first()
    )
    return _("Callback of %(n)s recorded: not satisfied. Rework %(r)s is ordered.") % {
        "n": n,
        "r": rework or "—",
    }


@require_POST
@desk_required
def save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The form of ``record``: one call to ``callback_record``; refused, the page again
    with the message on the form and what was typed, nothing saved."""
    cb = _callback(request.user, pk)
    form = RecordForm(request.POST, kind=cb.kind)
    if not form.is_valid():
        context = _record_context(request, cb, form)
        return render(request, "callbacks/record.html", context, status=400)
    try:
        done = services.callback_record(
            actor=request.user, callback_id=cb.pk, **form.service_kwargs()
        )
    except services.CallbackError as exc:
        form.add_error(None, str(exc))
        cb = _callback(request.user, pk)
        context = _record_context(request, cb, form)
        if not context["can_record"]:
            context["form"] = None
            messages.error(request, str(exc))
        return render(request, "callbacks/record.html", context, status=_error_status(exc))
    done = _callback(request.user, done.pk)
    messages.success(request, _recorded_message(done))
    return redirect(_list_url(request, done.estate_id))


@require_GET
@case_readers
@cache_control(private=True, max_age=3600)
def signature(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's signature of a visit callback, for whoever reads the case."""
    cb = Callback.objects.defer("signature").filter(pk=pk).first()
    if cb is None or not _reads_case(request.user, cb):
        raise Http404
    data = Callback.objects.filter(pk=cb.pk).values_list("signature", flat=True).first()
    if not data:
        return HttpResponse(status=404)
    return HttpResponse(bytes(data), content_type="image/png")


def _reads_case(user: User | AnonymousUser, cb: Callback) -> bool:
    if cb.complaint_id is not None:
        return complaints_for(user).filter(pk=cb.complaint_id).exists()
    return orders_for(user).filter(pk=cb.repair_order_id or 0).exists()


# --- the public letter ----------------------------------------------------------------


def _chosen(request: HttpRequest, values: list[str]) -> list[Callback]:
    """The callbacks ``ids`` names, each one the user may see (else 404)."""
    ids = sorted({int(v) for v in values if v.isdigit() and len(v) < 12})
    if len(ids) != len(set(values)):
        raise Http404
    chosen = list(
        callbacks_for(request.user)
        .filter(pk__in=ids)
        .select_related(*CASE_RELATED)
        .defer(*HEAVY)
        .order_by("callback_due", "pk")
    )
    if len(chosen) != len(ids):
        raise Http404
    return chosen


def _letter_page(
    request: HttpRequest, chosen: list[Callback], form: LetterForm, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "chosen": chosen,
        "recorded": [cb for cb in chosen if cb.status != Status.DUE],
        "estate": chosen[0].estate if chosen else None,
        "now": timezone.now(),
    }
    return render(request, "callbacks/letter_new.html", context, status=status)


@require_GET
@desk_required
def letter_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The letter's form, for the callbacks chosen on the list (``?ids=``)."""
    chosen = _chosen(request, request.GET.getlist("ids"))
    form = LetterForm(initial={"ids": [cb.pk for cb in chosen]}, choices=[c.pk for c in chosen])
    return _letter_page(request, chosen, form)


@require_POST
@desk_required
def letter_write(request: AuthenticatedHttpRequest) -> HttpResponse:
    chosen = _chosen(request, request.POST.getlist("ids"))
    form = LetterForm(request.POST, choices=[c.pk for c in chosen])
    if not form.is_valid():
        return _letter_page(request, chosen, form, status=400)
    try:
        letter = services.letter_write(
            actor=request.user,
            estate_id=chosen[0].estate_id,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            callback_ids=form.cleaned_data["ids"],
        )
    except services.CallbackError as exc:
        form.add_error(None, str(exc))
        chosen = _chosen(request, request.POST.getlist("ids"))
        return _letter_page(request, chosen, form, status=_error_status(exc))
    messages.success(
        request,
        _("Public letter “%(t)s” kept: it answers %(n)d callbacks.")
        % {"t": letter.title, "n": len(form.cleaned_data["ids"])},
    )
    return redirect("callbacks:letter", pk=letter.pk)


def _letter(user, pk: int) -> PublicLetter:
    letter = (
        PublicLetter.objects.filter(estate__in=estates_for(user))
        .select_related("estate", "written_by")
        .filter(pk=pk)
        .first()
    )
    if letter is None:
        raise Http404
    return letter


def _letter_context(letter: PublicLetter) -> dict[str, Any]:
    answered = (
        letter.callbacks.select_related(*CASE_RELATED).defer(*HEAVY).order_by("opened_at", "pk")
    )
    return {"letter": letter, "answered": list(answered), "now": timezone.now()}


@require_GET
@read_required
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter(request.user, pk)
    return render(request, "callbacks/letter.html", _letter_context(letter))


@require_GET
@read_required
def letter_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter on A4, to post up and to keep in the callback file (回访档案)."""
    letter = _letter(request.user, pk)
    return render(request, "callbacks/letter_print.html", _letter_context(letter))
