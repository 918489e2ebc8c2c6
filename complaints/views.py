from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from staff.access import capability_required
from staff.roles import USE_DEPARTMENT_QUEUE, USE_INTAKE_DESK


@require_GET
@capability_required(USE_INTAKE_DESK)
def intake(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/intake.html")


@require_GET
@capability_required(USE_DEPARTMENT_QUEUE)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/queue.html")
