from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .access import AuthenticatedHttpRequest, has_capability
from .inbox import inbox_lines, unread_by_kind, unread_lines
from .models import Heartbeat, Notification
from .notify import inbox_mark_read
from .roles import (
    USE_DEPARTMENT_QUEUE,
    USE_INTAKE_DESK,
    USE_REPAIR_ORDERS,
    VIEW_ESTATE_OVERVIEW,
    Role,
)
from .tasks import BEAT_STARTED_KEY


class DeskLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; only a POST (with its CSRF token) logs out."""
    if request.method == "POST":
        logout(request)
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "registration/logout_confirm.html")


# Where each role starts its day, first match wins.
HOME_BY_CAPABILITY = [
    (USE_INTAKE_DESK, "complaints:intake"),
    (USE_DEPARTMENT_QUEUE, "complaints:queue"),
    (VIEW_ESTATE_OVERVIEW, "reports:overview"),
    (USE_REPAIR_ORDERS, "repairs:mine"),
]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = getattr(user, "staff_profile", None)
    # A supervisor also has the intake desk, but starts on the overview.
    if profile is not None and profile.role == Role.SUPERVISOR:
        return redirect("reports:overview")
    for capability, url_name in HOME_BY_CAPABILITY:
        if has_capability(user, capability):
            return redirect(url_name)
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "staff/no_role.html", status=403)


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return type(exc).__name__


def _check_redis() -> str | None:
    import redis  # here: the client library costs every process ~0.08 s to import

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1)
        client.ping()
        return None
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__


# Background jobs whose last run /health reports: key -> how old it may get (seconds)
# before the service counts as unhealthy. Later sweeps register here.
HEALTH_HEARTBEATS: dict[str, int] = {}

# When this web process started. A job that has never run at all counts as starting
# (not failing) for its allowance after the later of this and the beat's start.
PROCESS_STARTED = timezone.now()


def _job_state(
    now: datetime, seen: datetime | None, max_age: int, beat_started: datetime | None
) -> str:
    """ok: ran within max_age. starting: has not run since the beat (or, when it never
    ran, this process) started, and that start is at most max_age ago; a job gets the
    same allowance after a start as between two runs. Otherwise late or never_ran, so
    a beat that never runs the job still turns /health 503 after max_age."""
    if seen is not None and (now - seen).total_seconds() <= max_age:
        return "ok"
    starts: list[datetime] = []
    if beat_started is not None and (seen is None or seen < beat_started):
        starts.append(beat_started)
    if seen is None:
        starts.append(PROCESS_STARTED)
    if starts and (now - max(starts)).total_seconds() <= max_age:
        return "starting"
    return "never_ran" if seen is None else "late"


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict] = {}
    db_error = _check_database()
    checks["database"] = {"ok": db_error is None, **({"error": db_error} if db_error else {})}
    redis_error = _check_redis()
    checks["redis"] = {"ok": redis_error is None, **({"error": redis_error} if redis_error else {})}
    if db_error is None:
        now = timezone.now()
        beats = dict(Heartbeat.objects.values_list("key", "beat_at"))
        beat_started = beats.get(BEAT_STARTED_KEY)
        for key, max_age in HEALTH_HEARTBEATS.items():
            seen = beats.get(key)
            age = (now - seen).total_seconds() if seen else None
            state = _job_state(now, seen, max_age, beat_started)
            checks[key] = {
                "ok": state in ("ok", "starting"),
                "state": state,
                "seconds_ago": None if age is None else round(age),
            }
    healthy = all(c["ok"] for c in checks.values())
    if not healthy:
        status = "unavailable"
    elif any(c.get("state") == "starting" for c in checks.values()):
        status = "starting"
    else:
        status = "ok"
    return JsonResponse({"status": status, "checks": checks}, status=200 if healthy else 503)


def _inbox_kind(value: str | None) -> str:
    return value if value in Notification.Kind.values else ""


@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One line per complaint, newest first; ``?kind=`` shows one kind of message."""
    kind = _inbox_kind(request.GET.get("kind"))
    unread = unread_by_kind(user=request.user)
    kinds = [
        {"value": value, "label": label, "unread": unread.get(value, 0), "active": value == kind}
        for value, label in Notification.Kind.choices
    ]
    return render(
        request,
        "staff/inbox.html",
        {
            "lines": inbox_lines(user=request.user, kind=kind),
            "kind": kind,
            "kinds": kinds,
            "unread_total": unread_lines(user=request.user),
        },
    )


@require_POST
def inbox_read(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Mark read: one line (``pk``: a message of it), the lines ticked (``thread``), or
    all of them (of the kind shown)."""
    kind = _inbox_kind(request.POST.get("kind"))
    if pk is not None:
        inbox_mark_read(user=request.user, notification_id=pk)
        target = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(target)
    elif request.POST.get("scope") == "selected":
        inbox_mark_read(user=request.user, threads=request.POST.getlist("thread"))
    else:
        inbox_mark_read(user=request.user, kind=kind)
    if kind:
        return redirect(f"{reverse('inbox')}?kind={kind}")
    return redirect("inbox")


@require_POST
def contact_reveal(request: AuthenticatedHttpRequest, case_type: str, pk: int) -> HttpResponse:
    """One click reveals a resident's name and phone on a case, where the user's role and
    the case need them; the reveal is recorded (staff.privacy). A case the user cannot
    open is a 404, one whose contact data they do not need a 403."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from . import privacy

    case_info = privacy.get(case_type)
    if case_info is None:
        raise Http404
    case = case_info.visible(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404
    if not privacy.may_reveal(request.user, case):
        raise PermissionDenied
    privacy.record(request.user, case, how="view")
    context = {"full": privacy.full(case), "number": getattr(case, "number", pk)}
    if request.headers.get("X-Requested-With") == "fetch":
        response = render(request, "staff/_contact_full.html", context)
    else:
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = ""
        response = render(request, "staff/contact_reveal.html", {**context, "back": back})
    response["Cache-Control"] = "no-store"
    return response
