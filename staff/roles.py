"""Roles of the service desk and what each may do.

A role is stored on the staff profile and mirrored by a Django group of the same
code; the group carries the permissions below. The migration
``0002_role_groups`` creates the groups, so a fresh database has them, and
``sync_role_groups`` (run after every ``migrate``) keeps them in step when a
later release adds a permission.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class Role(models.TextChoices):
    CLERK = "clerk", _("Front-desk clerk (前台接待员)")
    DUTY_OFFICER = "duty_officer", _("Monitoring-room duty officer (监控室值班员)")
    DEPARTMENT_HEAD = "department_head", _("Department head (部门主管)")
    TECHNICIAN = "technician", _("Technician (维修员)")
    SUPERVISOR = "supervisor", _("Customer-service supervisor (客服主管)")
    OFFICE_DIRECTOR = "office_director", _("Office director (管理处主任)")
    GENERAL_MANAGER = "general_manager", _("General manager (公司总经理)")


# Capabilities, declared as permissions on staff.StaffProfile (see its Meta). Their
# names are stored in English by Django; the admin shows them translated.
USE_INTAKE_DESK = "use_intake_desk"
USE_DEPARTMENT_QUEUE = "use_department_queue"
USE_REPAIR_ORDERS = "use_repair_orders"
VIEW_ESTATE_OVERVIEW = "view_estate_overview"
VIEW_ALL_ESTATES = "view_all_estates"
HANDLE_COMPLAINTS = "handle_complaints"
REGRADE_COMPLAINTS = "regrade_complaints"
APPROVE_MINOR_EXTENSIONS = "approve_minor_extensions"
APPROVE_IMPORTANT_EXTENSIONS = "approve_important_extensions"

CAPABILITIES = [
    (USE_INTAKE_DESK, gettext_noop("Can log residents' complaints at the intake desk")),
    (USE_DEPARTMENT_QUEUE, gettext_noop("Can work a department's queue")),
    (USE_REPAIR_ORDERS, gettext_noop("Can take and record repair orders")),
    (VIEW_ESTATE_OVERVIEW, gettext_noop("Can watch the estate overview")),
    (VIEW_ALL_ESTATES, gettext_noop("Can see every estate of the company")),
    (
        HANDLE_COMPLAINTS,
        gettext_noop("Can sign for, handle and ask extensions of the department's complaints"),
    ),
    (REGRADE_COMPLAINTS, gettext_noop("Can regrade and escalate complaints")),
    (APPROVE_MINOR_EXTENSIONS, gettext_noop("Can approve extensions of minor complaints")),
    (
        APPROVE_IMPORTANT_EXTENSIONS,
        gettext_noop("Can approve extensions of important and major complaints"),
    ),
]

ROLE_CAPABILITIES: dict[str, set[str]] = {
    Role.CLERK: {USE_INTAKE_DESK},
    Role.DUTY_OFFICER: {USE_INTAKE_DESK},
    Role.DEPARTMENT_HEAD: {USE_DEPARTMENT_QUEUE, USE_REPAIR_ORDERS, HANDLE_COMPLAINTS},
    Role.TECHNICIAN: {USE_REPAIR_ORDERS},
    Role.SUPERVISOR: {USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW, REGRADE_COMPLAINTS},
    Role.OFFICE_DIRECTOR: {VIEW_ESTATE_OVERVIEW, REGRADE_COMPLAINTS, APPROVE_MINOR_EXTENSIONS},
    Role.GENERAL_MANAGER: {
        VIEW_ESTATE_OVERVIEW,
        VIEW_ALL_ESTATES,
        REGRADE_COMPLAINTS,
        APPROVE_IMPORTANT_EXTENSIONS,
    },
}

# Roles whose work belongs to one department of one estate.
DEPARTMENT_ROLES = {Role.DEPARTMENT_HEAD, Role.TECHNICIAN}
# Roles that may have no estate: they oversee the whole company.
COMPANY_ROLES = {Role.GENERAL_MANAGER}

# The service desk of an estate: the roles that use the intake desk.
DESK_ROLES = frozenset(r for r, caps in ROLE_CAPABILITIES.items() if USE_INTAKE_DESK in caps)
