import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
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


@register.simple_tag
def due_badge(due, now=None, done=None):
    """The deadline with a badge: met, overdue since, due soon, or time left. Built in
    Python (it runs for every row of every list)."""
    if due is None:
        return ""
    now = now or timezone.now()
    when = date_format(timezone.localtime(due), "m-d H:i")
    if done:
        css, label = "text-bg-success", _("met")
    else:
        state = due_state(due, now)
        if state == "overdue":
            css, label = "text-bg-danger", f"{_('overdue')} {timesince(due, now)}"
        elif state == "soon":
            css, label = "text-bg-warning", f"{_('due soon')} · {timeuntil(due, now)}"
        else:
            css, label = "text-bg-light", _("%(t)s left") % {"t": timeuntil(due, now)}
    return format_html('<span>{} <span class="badge {}">{}</span></span>', when, css, label)


GRADE_CSS = {
    "minor": "text-bg-secondary",
    "important": "text-bg-warning",
    "major": "text-bg-danger",
}


@register.filter
def grade_css(grade):
    return GRADE_CSS.get(grade, "text-bg-secondary")
