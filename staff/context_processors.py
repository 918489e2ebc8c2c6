import functools

from django.urls import get_script_prefix, get_urlconf, reverse
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


@functools.lru_cache(maxsize=256)
def _url(name: str, prefix: str, urlconf: str | None) -> str:
    """A navigation link, reversed once per script prefix and URLconf (they take no
    arguments): two reverse() calls per link were a tenth of a short page's time."""
    return reverse(name, urlconf=urlconf)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "staff_profile": None}
    prefix, urlconf = get_script_prefix(), get_urlconf()
    items = []
    for caps, name, label in NAV_ITEMS:
        if any(has_capability(user, c) for c in (caps if isinstance(caps, tuple) else (caps,))):
            url = _url(name, prefix, urlconf)
            items.append({"url": url, "label": str(label), "active": request.path == url})
    unread = getattr(user, "loaded_unread_lines", None)
    return {
        "nav_items": items,
        "staff_profile": profile_of(user),
        # Lines of the inbox with something unread, not single messages: counted with
        # the user when the request began (staff.backends), else when the page asks.
        "unread_count": (lambda: unread_lines(user=user)) if unread is None else unread,
    }
