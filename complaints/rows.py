"""The rows of the department queue and the complaint list, written in Python
(casework.rows says why). The markup is the one ``_table.html`` had.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from casework.display import case_clock_states, deadline_cell
from casework.rows import escape, truncate, url_parts
from staff.roles import Role

from .clocks import CLOCK_LABELS, TABLE
from .models import Category, Complaint, Grade, Status

GRADE_CSS = {
    "minor": "text-bg-secondary",
    "important": "text-bg-warning",
    "major": "text-bg-danger",
}


def complaint_rows(
    complaints: Iterable[Complaint],
    *,
    now: dt.datetime,
    in_queue: bool = False,
    signable: Collection[int] = (),
    request=None,
) -> SafeString:
    """The ``<tr>`` of each complaint (the sign-for button where ``signable``), or the
    one row that says there is nothing."""
    detail = url_parts("complaints:detail")
    grades = {k: escape(v) for k, v in Grade.choices}
    categories = {k: escape(v) for k, v in Category.choices}
    statuses = {k: escape(v) for k, v in Status.choices}
    repeat = (
        f' <span class="badge text-bg-danger" title="{escape(_("Repeat complaint"))}">'
        f"{escape(_('Repeat'))}</span>"
    )
    awaits = _("Extension awaits %(who)s")
    approvers = {k: str(v) for k, v in Role.choices}
    sign_form = ""
    if in_queue and signable and request is not None:
        sign = url_parts("complaints:act", "sign")
        sign_form = (
            '" data-testid="queue-sign"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{escape(get_token(request))}"><input type="hidden" name="next" '
            f'value="{escape(request.get_full_path())}"><button type="submit" '
            f'class="btn btn-sm btn-primary text-nowrap">{escape(_("Sign for it (签收)"))}'
            "</button></form></td>"
        )
    empty_sign = '<td class="cell-sign"></td>' if in_queue else ""
    language, zone = get_language(), timezone.get_current_timezone()
    out = []
    for c in complaints:
        pk = c.pk
        place = escape(c.unit.label) if c.unit_id and c.unit else escape(truncate(c.location, 20))
        department = escape(c.department.name) if c.department_id and c.department else "—"
        pending = "".join(
            '<div class="small"><span class="badge text-bg-warning">'
            f"{escape(awaits % {'who': approvers.get(role, '')})}</span></div>"
            for role in getattr(c, "pending_approvers", ())
        )
        clocks = deadline_cell(
            case_clock_states(c, TABLE, CLOCK_LABELS, now), language=language, zone=zone
        )
        if sign_form and pk in signable:
            action = f"{sign[0]}{pk}{sign[1]}"
            last = f'<td class="cell-sign"><form method="post" action="{action}{sign_form}'
        else:
            last = empty_sign
        out.append(
            '<tr data-testid="complaint-row">'
            f'<td class="text-nowrap cell-number"><a href="{detail[0]}{pk}{detail[1]}">'
            f"{escape(c.number)}</a>{repeat if c.repeat_of_id else ''}</td>"
            f'<td class="cell-grade"><span class="badge '
            f'{GRADE_CSS.get(c.grade, "text-bg-secondary")}">'
            f"{grades.get(c.grade, escape(c.grade))}</span></td>"
            f'<td class="d-none d-md-table-cell">{categories.get(c.category, escape(c.category))}'
            "</td>"
            f'<td class="cell-text">{escape(truncate(c.description, 40))}</td>'
            f'<td class="d-none d-lg-table-cell">{place}</td>'
            f'<td class="d-none d-md-table-cell">{department}</td>'
            f'<td class="cell-status" data-testid="row-status">'
            f"{statuses.get(c.status, escape(c.status))}{pending}</td>"
            f'<td class="cell-deadline" data-testid="row-deadline">{clocks}</td>'
            f"{last}</tr>\n"
        )
    if not out:
        out.append(
            f'<tr><td colspan="{9 if in_queue else 8}" class="text-muted">'
            f"{escape(_('Nothing here.'))}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
