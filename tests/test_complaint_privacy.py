"""Residents' names and phones never reach the application logs in a whole flow."""

import logging

import pytest
from celery.app.task import Task
from django.core import mail
from django.core.exceptions import ValidationError

from complaints import services
from complaints.models import Grade
from tests.complaint_helpers import intake, request_extension
from tests.factories.staff import UnitFactory

# The complaint services queue Celery tasks; every test here records them instead
# (the ``sent_tasks`` fixture in conftest.py) so nothing reaches the broker.
pytestmark = pytest.mark.usefixtures("sent_tasks")


def test_a_whole_flow_never_logs_the_residents_name_or_phone(
    caplog, monkeypatch, django_capture_on_commit_callbacks, users, head_with_email, director, ch
):
    name, phone = "欧阳娜娜", "13987654321"
    head, eng = head_with_email, users["eng"]
    # Queued tasks (the routed notice) run for real, in-process, instead of via the broker.
    monkeypatch.setattr(
        Task,
        "apply_async",
        lambda task, args=None, kwargs=None, **options: task.apply(args=args, kwargs=kwargs),
    )
    caplog.set_level(logging.DEBUG)
    unit = UnitFactory(estate=ch)
    clerk = users["clerk"]
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):
            intake(clerk, "route", department=eng, resident_name=name, resident_phone="139")
        c = intake(
            clerk,
            "route",
            department=eng,
            unit=unit,
            resident_name=name,
            resident_phone=phone,
            grade=Grade.MINOR,
        )
        again = intake(
            clerk,
            "on_the_spot",
            outcome_note="已解释",
            unit=unit,
            resident_name=name,
            resident_phone=phone,
        )
        services.complaint_sign(actor=head, complaint_id=c.pk)
        ext = request_extension(c, head)
        services.extension_decide(actor=director, extension_id=ext.pk, approve=True)
        services.complaint_handle(actor=head, complaint_id=c.pk, note="已修复")
        services.complaint_inform(actor=clerk, complaint_id=c.pk, method="phone")
        services.complaint_close(actor=clerk, complaint_id=c.pk)
        services.complaint_reopen(actor=clerk, complaint_id=c.pk, reason="不满意")
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.IMPORTANT, reason="复核"
        )
        services.complaint_add_note(actor=clerk, complaint_id=c.pk, note="已电话联系")
    assert again.repeat_of_id == c.pk
    assert ["eng@example.com"] in [m.to for m in mail.outbox]  # the notice really ran
    assert caplog.records, "the flow should log something (at least the receipts)"
    for record in caplog.records:
        message = record.getMessage()
        assert name not in message, record
        assert phone not in message, record
        assert phone[:7] not in message, record
    assert name not in caplog.text
    assert phone not in caplog.text
