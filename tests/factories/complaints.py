"""Complaints are made through the services, as the desk makes them, so every
factory-made complaint has its number, deadlines and handling log."""

from __future__ import annotations

from complaints import services
from complaints.models import Category, Channel, Complaint, Grade
from staff.models import Department


def make_complaint(
    *,
    clerk,
    estate=None,
    grade: str = Grade.MINOR,
    category: str = Category.ENGINEERING,
    description: str = "楼上漏水，天花板滴水",
    resident_name: str = "张三",
    resident_phone: str = "13812345678",
    **fields,
) -> Complaint:
    estate = estate or clerk.staff_profile.estate
    return services.complaint_receive(
        actor=clerk,
        estate=estate,
        channel=fields.pop("channel", Channel.PHONE),
        category=category,
        grade=grade,
        description=description,
        resident_name=resident_name,
        resident_phone=resident_phone,
        **fields,
    )


def department(estate, kind=Department.Kind.ENGINEERING) -> Department:
    return Department.objects.get_or_create(
        estate=estate, kind=kind, defaults={"name": str(Department.Kind(kind).label)}
    )[0]


def advance(complaint: Complaint, *, to: str, clerk, head) -> Complaint:
    """Walk a complaint through the lifecycle up to status ``to``."""
    steps = [
        (
            "routed",
            lambda: services.complaint_route(
                actor=clerk, complaint_id=complaint.pk, department=head.staff_profile.department
            ),
        ),
        ("signed", lambda: services.complaint_sign(actor=head, complaint_id=complaint.pk)),
        (
            "handled",
            lambda: services.complaint_handle(
                actor=head, complaint_id=complaint.pk, note="已更换水管"
            ),
        ),
        (
            "informed",
            lambda: services.complaint_inform(
                actor=clerk, complaint_id=complaint.pk, method="phone"
            ),
        ),
        ("closed", lambda: services.complaint_close(actor=clerk, complaint_id=complaint.pk)),
    ]
    for status, step in steps:
        step()
        if status == to:
            break
    complaint.refresh_from_db()
    return complaint
