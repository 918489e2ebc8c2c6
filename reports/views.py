from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from staff.access import capability_required, estates_for
from staff.roles import VIEW_ESTATE_OVERVIEW

from .selectors import estate_overview


@require_GET
@capability_required(VIEW_ESTATE_OVERVIEW)
def overview(request: HttpRequest) -> HttpResponse:
    estates = list(estates_for(request.user).select_related("company").order_by("code"))
    figures = estate_overview(request.user)
    rows = [(estate, figures.get(estate.pk, {})) for estate in estates]
    return render(request, "reports/overview.html", {"rows": rows})
