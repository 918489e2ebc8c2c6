"""The rows of the desk's callback list, written in Python (casework.rows says why):
through the template each of the fifty rows cost more than half a millisecond, most of
the page. The markup is the one the list's template had; the resident's contact is the
one ``staff/_contact.html`` writes inside a form (``nested``), masked, with the reveal
button only where ``staff.privacy`` allows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from casework.display import case_clock_states, deadline_cell
from casework.rows import PK, escape, truncate, url_parts
from staff import privacy

from .clocks import CLOCK_LABELS, TABLE
from .models import Callback, Kind


def contact_nested(
    user, case, *, testid: str = "contact", words: dict[str, Any] | None = None
) -> str:
    """``{% contact case nested=True %}`` in Python: the masked name and phone, and the
    button that reveals them (the page's script posts it) where the user may. ``words``
    keeps the button's word and URLs from one row to the next."""
    words = {} if words is None else words
    shown = privacy.masked(case)
    if not (shown["name"] or shown["phone"]):
        return f'<span class="contact" data-testid="{testid}">—</span>'
    out = [
        f'<span class="contact" data-testid="{testid}"><span data-testid="contact-name">'
        f"{escape(shown['name'] or '—')}</span>"
    ]
    if shown["phone"]:
        out.append(
            f' <span class="text-nowrap" data-testid="contact-phone">{escape(shown["phone"])}'
            "</span>"
        )
    info = privacy.case_of(case)
    if info is not None and user is not None and privacy.may_reveal(user, case):
        if info.key not in words:
            words[info.key] = url_parts("contact_reveal", info.key, PK)
        if "show" not in words:
            words["show"] = escape(_("Show (call)"))
        head, tail = words[info.key]
        out.append(
            ' <button type="button" class="btn btn-link btn-sm p-0 align-baseline" '
            f'data-reveal="{head}{case.pk}{tail}" data-testid="reveal">'
            f"{words['show']}</button>"
        )
    out.append("</span>")
    return "".join(out)


def callback_rows(
    callbacks: Iterable[Callback], *, now: dt.datetime, can_call_back: bool, user
) -> SafeString:
    """The ``<tr>`` of each callback due (a box to pick it for a public letter where the
    user calls back), or the one row that says there is nothing."""
    complaint_url = url_parts("complaints:detail")
    repair_url = url_parts("repairs:detail")
    record_url = url_parts("callbacks:record")
    kinds: dict[str, tuple[str, str, tuple[str, str]]] = {
        Kind.COMPLAINT: ("text-bg-primary", escape(_("Complaint")), complaint_url),
        Kind.REPAIR: ("text-bg-info", escape(_("Repair")), repair_url),
    }
    choose = _("Choose %(n)s for a public letter")
    overdue = f'<span class="visually-hidden" data-testid="overdue">{escape(_("overdue"))}</span>'
    handed_in = _("handed in %(d)s")
    start_css = "btn-primary" if can_call_back else "btn-outline-secondary"
    start_word = escape(_("Call back") if can_call_back else _("Open"))
    no_place = '<span class="d-none d-sm-inline">—</span>'
    tz = timezone.get_current_timezone()
    words: dict[str, Any] = {}
    language, zone = get_language(), timezone.get_current_timezone()
    out = []
    for cb in callbacks:
        pk, case = cb.pk, cb.case
        late = cb.callback_due is not None and cb.callback_due < now
        css, kind_word, (head, tail) = kinds.get(cb.kind, kinds[Kind.REPAIR])
        case_pk = cb.complaint_id if cb.kind == Kind.COMPLAINT else cb.repair_order_id
        number = escape(case.number)
        pick = (
            f'<td class="cell-pick"><input class="form-check-input" type="checkbox" '
            f'name="ids" value="{pk}" id="pick-{pk}" '
            f'aria-label="{escape(choose % {"n": case.number})}" data-testid="pick"></td>'
            if can_call_back
            else ""
        )
        week = (
            f'<div class="small text-muted">'
            f"{escape(handed_in % {'d': f'{cb.week_of:%m-%d}'})}</div>"
            if cb.week_of
            else ""
        )
        if case.unit_id and case.unit:
            place = escape(case.unit.label)
        elif case.location:
            place = escape(truncate(case.location, 20))
        else:
            place = no_place
        department = escape(cb.department.name) if cb.department_id and cb.department else "—"
        if cb.tries:
            word = ngettext("%(n)s try", "%(n)s tries", cb.tries) % {"n": cb.tries}
            tried = (
                f' <span class="small text-muted text-nowrap">'
                f"{cb.last_tried_at.astimezone(tz):%m-%d %H:%M}</span>"
                if cb.last_tried_at
                else ""
            )
            tries = f'<span class="badge text-bg-secondary">{escape(word)}</span>{tried}'
        else:
            tries = '<span class="text-muted d-none d-sm-inline">0</span>'
        clocks = deadline_cell(
            case_clock_states(cb, TABLE, CLOCK_LABELS, now), language=language, zone=zone
        )
        out.append(
            f'<tr data-testid="callback-row" data-callback="{pk}" '
            f'class="{"is-overdue" if late else ""}">{pick}'
            f'<td class="cell-deadline" data-testid="row-deadline">{clocks}'
            f"{overdue if late else ''}</td>"
            f'<td class="cell-case text-nowrap"><span class="badge {css}" '
            f'data-testid="row-kind">{kind_word}</span> '
            f'<a href="{head}{case_pk}{tail}" data-testid="case-link">{number}</a>{week}</td>'
            f'<td class="cell-text d-none d-md-table-cell">'
            f"{escape(truncate(case.description, 40))}</td>"
            f'<td class="cell-unit">{place}</td>'
            f'<td class="cell-resident" data-testid="row-resident">'
            f"{contact_nested(user, case, words=words)}</td>"
            f'<td class="d-none d-lg-table-cell">{department}</td>'
            f'<td class="cell-tries" data-testid="row-tries">{tries}</td>'
            f'<td class="cell-start"><a class="btn btn-sm {start_css} text-nowrap" '
            f'href="{record_url[0]}{pk}{record_url[1]}" data-testid="start">{start_word}</a>'
            "</td></tr>\n"
        )
    if not out:
        out.append(
            '<tr><td colspan="9" class="text-muted" data-testid="empty">'
            f"{escape(_('Nothing to call back.'))}</td></tr>"
        )
    return SafeString("".join(out))  # every value above is escaped
