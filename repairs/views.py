from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from staff.access import capability_required
from staff.roles import USE_REPAIR_ORDERS


@require_GET
@capability_required(USE_REPAIR_ORDERS)
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "repairs/mine.html")
