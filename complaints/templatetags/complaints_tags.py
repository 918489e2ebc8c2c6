import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()

DUE_SOON = dt.timedelta(hours=4)


@register.simple_tag
def due_state(due, now=None):
    """'overdue', 'soon' (less than 4 hours left) or '' for a deadline."""
    if due is None:
        return ""
    now = now or timezone.now()
    if due < now:
        return "overdue"
    if due - now < DUE_SOON:
        return "soon"
    return ""


@register.inclusion_tag("complaints/_due.html")
def due_badge(due, now=None, done=None):
    now = now or timezone.now()
    if due is None:
        return {"show": False}
    if done:
        return {"show": True, "due": due, "css": "text-bg-success", "label": _("met"), "done": True}
    state = due_state(due, now)
    css = {"overdue": "text-bg-danger", "soon": "text-bg-warning"}.get(state, "text-bg-light")
    label = {"overdue": _("overdue"), "soon": _("due soon")}.get(state, "")
    return {"show": True, "due": due, "css": css, "label": label, "overdue": state == "overdue"}


GRADE_CSS = {
    "minor": "text-bg-secondary",
    "important": "text-bg-warning",
    "major": "text-bg-danger",
}


@register.filter
def grade_css(grade):
    return GRADE_CSS.get(grade, "text-bg-secondary")
