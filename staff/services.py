"""Writes of the staff app: role groups, the unit registry import, heartbeats."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Estate, Resident, Unit
from .roles import ROLE_CAPABILITIES, Role
from .validators import normalize_phone, validate_phone


def sync_role_groups() -> None:
    """Create one group per role holding exactly its capabilities. Safe to rerun."""
    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="staff", content_type__model="staffprofile"
        )
    }
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = [perms[c] for c in ROLE_CAPABILITIES[role] if c in perms]
        group.permissions.set(wanted)


def staff_profile_set_role_group(*, user, role: str) -> None:
    """Keep the user's role group equal to the profile's role."""
    role_names = [r.value for r in Role]
    user.groups.remove(*Group.objects.filter(name__in=role_names).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))


def heartbeat_record(*, key: str) -> None:
    """One upsert: cheap enough for a job that runs every minute."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO staff_heartbeat (key, beat_at) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET beat_at = EXCLUDED.beat_at",
            [key, timezone.now()],
        )


# --- Unit registry import -------------------------------------------------------------

UNIT_IMPORT_COLUMNS = ["building", "entrance", "room", "resident_name", "phone"]
# Headers accepted in either language.
_HEADER_ALIASES = {
    "building": "building",
    "楼栋": "building",
    "楼号": "building",
    "entrance": "entrance",
    "unit": "entrance",
    "单元": "entrance",
    "room": "room",
    "房号": "room",
    "房间": "room",
    "resident_name": "resident_name",
    "resident": "resident_name",
    "name": "resident_name",
    "住户姓名": "resident_name",
    "姓名": "resident_name",
    "phone": "phone",
    "电话": "phone",
    "联系电话": "phone",
}


@dataclass
class ImportResult:
    units_created: int = 0
    residents_created: int = 0
    rows_skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _normalise_headers(header: list) -> list[str]:
    names = []
    for cell in header:
        key = str(cell or "").strip().lower()
        names.append(_HEADER_ALIASES.get(key, key))
    missing = {"building", "room"} - set(names)
    if missing:
        raise ValidationError(
            _("The first row must name the columns; missing: %(cols)s.")
            % {"cols": ", ".join(sorted(missing))}
        )
    return names


def unit_import(*, estate: Estate, rows: list[list], actor) -> ImportResult:
    """Import registry rows (first row = headers). All or nothing.

    Each row is one resident of one unit; a row without a name only registers the
    unit. Rows already present are skipped, so the same file can be imported twice.
    """
    if not rows:
        raise ValidationError(_("The file is empty."))
    names = _normalise_headers(rows[0])
    result = ImportResult()
    parsed = []
    for line_no, raw in enumerate(rows[1:], start=2):
        record = {
            n: str(v).strip() if v is not None else "" for n, v in zip(names, raw, strict=False)
        }
        if not any(record.values()):
            continue
        if not record.get("building") or not record.get("room"):
            result.errors.append(_("Row %(n)d: building and room are required.") % {"n": line_no})
            continue
        phone = normalize_phone(record.get("phone", ""))
        if phone:
            try:
                validate_phone(phone)
            except ValidationError:
                result.errors.append(
                    _("Row %(n)d: %(phone)s is not a valid phone number.")
                    % {"n": line_no, "phone": phone}
                )
                continue
        parsed.append((record, phone))
    if result.errors:
        return result
    with transaction.atomic():
        for record, phone in parsed:
            unit, created = Unit.objects.get_or_create(
                estate=estate,
                building=record["building"][:20],
                entrance=record.get("entrance", "")[:20],
                room=record["room"][:20],
            )
            result.units_created += created
            name = record.get("resident_name", "")[:50]
            if name:
                _res, res_created = Resident.objects.get_or_create(
                    unit=unit, name=name, phone=phone
                )
                result.residents_created += res_created
                result.rows_skipped += not res_created
            elif not created:
                result.rows_skipped += 1
    return result


def contact_roles_ensure() -> None:
    """A ContactRole row for every role, with its default; existing rows (a manager's
    choice) are left as they are."""
    from .models import ContactRole

    ContactRole.objects.bulk_create(
        [ContactRole(role=r, may_reveal=r in ContactRole.DEFAULTS) for r in Role],
        ignore_conflicts=True,
    )
