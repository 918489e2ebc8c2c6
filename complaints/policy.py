"""The complaint clocks' numbers and the grade maps of SPEC §3, in one place.

The numbers are the seeds' defaults; managers change them in the admin (rule book,
``casework.ClockRule``, keys ``complaint.*``). ``complaints.clocks`` turns them into
deadlines.

    clock                          starts     default
    complaint.route                received   10 minutes            (002 §4.4, 004 §4.3.4)
    complaint.escalate_important   received   1 hour                (002 §4.5)
    complaint.escalate_major       received   the same day          (002 §4.5)
    complaint.resolve_minor        received   2 days, or the resident's date if sooner
    complaint.resolve_important    received   3 days
    complaint.resolve_major        received   10 days
    complaint.answer_major         received   2 days                (a clear answer)
    complaint.reply_oral           received   1 working day         (003: visit, phone, staff)
    complaint.reply_written        received   3 working days        (003: letter, suggestion box)
    complaint.upgrade              received   30 days: unresolved becomes major
    complaint.inform               handled    the same day          (002 §7)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casework.models import Unit
from casework.rules import Rule, RuleSpec, register_rules
from staff.roles import Role

from .models import Channel, Grade

ROUTE = "complaint.route"
ESCALATE_IMPORTANT = "complaint.escalate_important"
ESCALATE_MAJOR = "complaint.escalate_major"
RESOLVE_MINOR = "complaint.resolve_minor"
RESOLVE_IMPORTANT = "complaint.resolve_important"
RESOLVE_MAJOR = "complaint.resolve_major"
ANSWER_MAJOR = "complaint.answer_major"
REPLY_ORAL = "complaint.reply_oral"
REPLY_WRITTEN = "complaint.reply_written"
UPGRADE = "complaint.upgrade"
INFORM = "complaint.inform"

RULES = [
    RuleSpec(
        ROUTE,
        _("Complaint: route to the department and sign for it (派单签收)"),
        Rule(10, Unit.MINUTES, 75),
        "002 §4.4, 004 §4.3.4",
    ),
    RuleSpec(
        ESCALATE_IMPORTANT,
        _("Complaint: pass an important complaint to the office director"),
        Rule(1, Unit.HOURS, 0),
        "002 §4.5, 004 §4.3.5",
    ),
    RuleSpec(
        ESCALATE_MAJOR,
        _("Complaint: pass a major complaint to the general manager"),
        Rule(0, Unit.SAME_DAY, 0),
        "002 §4.5, 004 §4.3.5",
    ),
    RuleSpec(
        RESOLVE_MINOR,
        _("Complaint: resolve a minor complaint"),
        Rule(2, Unit.DAYS, 75),
        "002 §4.6, 004 §4.3.6",
    ),
    RuleSpec(
        RESOLVE_IMPORTANT,
        _("Complaint: resolve an important complaint"),
        Rule(3, Unit.DAYS, 75),
        "002 §4.6, 004 §4.3.6",
    ),
    RuleSpec(
        ANSWER_MAJOR,
        _("Complaint: a clear answer on a major complaint (明确答复)"),
        Rule(2, Unit.DAYS, 75),
        "002 §4.6, 004 §4.3.6",
    ),
    RuleSpec(
        RESOLVE_MAJOR,
        _("Complaint: resolve a major complaint"),
        Rule(10, Unit.DAYS, 75),
        "002 §4.6, 004 §4.3.6",
    ),
    RuleSpec(
        UPGRADE,
        _("Complaint: unresolved for a month becomes major"),
        Rule(30, Unit.DAYS, 0),
        "002 §4.3, 004 §4.3.2",
    ),
    RuleSpec(
        INFORM,
        _("Complaint: tell the resident the result after handling (回复结果)"),
        Rule(0, Unit.SAME_DAY, 75),
        "002 §7",
    ),
    RuleSpec(
        REPLY_ORAL,
        _("Complaint: first reply to an oral complaint (口头投诉答复)"),
        Rule(1, Unit.WORKING_DAYS, 75),
        "003 投诉处理程序",
    ),
    RuleSpec(
        REPLY_WRITTEN,
        _("Complaint: written reply to a letter or suggestion-box note (书面答复)"),
        Rule(3, Unit.WORKING_DAYS, 75),
        "003 投诉处理程序",
    ),
]
register_rules(*RULES)

RESOLVE_CLOCK: dict[str, str] = {
    Grade.MINOR: RESOLVE_MINOR,
    Grade.IMPORTANT: RESOLVE_IMPORTANT,
    Grade.MAJOR: RESOLVE_MAJOR,
}
ESCALATE_CLOCK: dict[str, str] = {
    Grade.IMPORTANT: ESCALATE_IMPORTANT,
    Grade.MAJOR: ESCALATE_MAJOR,
}
WRITTEN_CHANNELS: set[str] = {Channel.LETTER, Channel.SUGGESTION_BOX}
# Who a grade is escalated to, and who approves its extensions (SPEC §3).
ESCALATE_TO: dict[str, str] = {
    Grade.IMPORTANT: Role.OFFICE_DIRECTOR,
    Grade.MAJOR: Role.GENERAL_MANAGER,
}
EXTENSION_APPROVER: dict[str, str] = {
    Grade.MINOR: Role.OFFICE_DIRECTOR,
    Grade.IMPORTANT: Role.GENERAL_MANAGER,
    Grade.MAJOR: Role.GENERAL_MANAGER,
}
# How far up a complaint has been passed: escalating never goes down.
ESCALATION_RANK: dict[str, int] = {"": 0, Role.OFFICE_DIRECTOR: 1, Role.GENERAL_MANAGER: 2}


def answer_clock(grade: str, channel: str) -> str:
    """The rule of the answer owed to the resident: a clear answer on a major
    complaint, otherwise the reply an oral or a written complaint is owed."""
    if grade == Grade.MAJOR:
        return ANSWER_MAJOR
    if channel in WRITTEN_CHANNELS:
        return REPLY_WRITTEN
    return REPLY_ORAL
