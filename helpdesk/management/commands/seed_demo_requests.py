"""Demo inquiries and help requests, and the duty on, made through the services as the
desk makes them. Idempotent: does nothing when the demo estate already has requests."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from helpdesk import services
from helpdesk.models import DutyShift, Request
from staff.models import Estate


class Command(BaseCommand):
    help = "Load demo inquiries, help requests and an open duty shift (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        estate = Estate.objects.get(code="CH")
        if Request.objects.filter(estate=estate).exists():
            self.stdout.write("Demo requests already present.")
            return
        users = get_user_model().objects
        clerk, duty = users.get(username="clerk"), users.get(username="duty")
        supervisor = users.get(username="supervisor")
        common: dict[str, Any] = {"estate": estate, "channel": "phone"}
        services.request_receive(
            actor=clerk,
            kind="inquiry",
            question="物业费可以按季度交吗？",
            location="前台",
            answer="可以，前台和物业APP都能按季度缴纳。",
            **common,
        )
        asked = services.request_receive(
            actor=clerk,
            kind="inquiry",
            question="小区能否安装电动车充电桩？",
            location="前台",
            **common,
        )
        services.request_refer(actor=clerk, request_id=asked.pk, supervisor=supervisor)
        services.request_receive(
            actor=clerk,
            kind="inquiry",
            question="请书面说明明年停车费调整依据",
            location="前台",
            **{**common, "channel": "letter"},
        )
        services.request_receive(
            actor=clerk,
            kind="help",
            question="老人忘带门禁卡，进不了单元门",
            location="5栋1单元",
            **common,
        )
        if not DutyShift.objects.filter(estate=estate, ended_at__isnull=True).exists():
            shift = services.shift_open(actor=duty, estate=estate)
            services.duty_note(actor=duty, shift_id=shift.pk, text="夜间巡查：各楼栋正常。")
        self.stdout.write("Demo requests ready.")
