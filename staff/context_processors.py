from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .access import has_capability, profile_of
from .inbox import unread_lines
from .roles import USE_DEPARTMENT_QUEUE, USE_INTAKE_DESK, USE_REPAIR_ORDERS, VIEW_ESTATE_OVERVIEW

# (capability, url name, label) in the order they appear in the navigation.
NAV_ITEMS = [
    (USE_INTAKE_DESK, "complaints:intake", _("Intake desk")),
    (USE_DEPARTMENT_QUEUE, "complaints:queue", _("Department queue")),
    (
        (USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW, USE_DEPARTMENT_QUEUE),
        "complaints:list",
        _("Complaints"),
    ),
    (
        (USE_INTAKE_DESK, USE_DEPARTMENT_QUEUE, USE_REPAIR_ORDERS),
        "repairs:new",
        _("Report a repair"),
    ),
    (USE_REPAIR_ORDERS, "repairs:mine", _("Repair orders")),
    ((USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW), "repairs:board", _("Repair board")),
    ((USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW), "callbacks:list", _("Callbacks")),
    ((USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW), "helpdesk:list", _("Inquiries and help")),
    ((USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW), "helpdesk:duty", _("Duty log")),
    (VIEW_ESTATE_OVERVIEW, "reports:overview", _("Estate overview")),
    (VIEW_ESTATE_OVERVIEW, "reports:monthly_list", _("Monthly reports")),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "staff_profile": None}
    items = [
        {"url": reverse(name), "label": label, "active": request.path == reverse(name)}
        for caps, name, label in NAV_ITEMS
        if any(has_capability(user, c) for c in (caps if isinstance(caps, tuple) else (caps,)))
    ]
    unread = getattr(user, "loaded_unread_lines", None)
    return {
        "nav_items": items,
        "staff_profile": profile_of(user),
        # Lines of the inbox with something unread, not single messages: counted with
        # the user when the request began (staff.backends), else when the page asks.
        "unread_count": (lambda: unread_lines(user=user)) if unread is None else unread,
    }
