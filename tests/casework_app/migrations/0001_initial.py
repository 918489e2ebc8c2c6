import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from casework.operations import AppendOnly


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("casework", "0001_initial"),
        ("staff", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Ticket",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("next_due", models.DateTimeField(blank=True, null=True, verbose_name="next deadline")),
                ("sweep_at", models.DateTimeField(blank=True, editable=False, null=True, verbose_name="next alarm")),
                ("opened_at", models.DateTimeField()),
                ("closed", models.BooleanField(default=False)),
                ("answer_due", models.DateTimeField(blank=True, null=True)),
                ("answered_at", models.DateTimeField(blank=True, null=True)),
                ("finish_due", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("bump_due", models.DateTimeField(blank=True, null=True)),
                ("bumped_at", models.DateTimeField(blank=True, null=True)),
                ("company", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to="staff.company")),
            ],
            options={
                "verbose_name": "测试单",
                "verbose_name_plural": "测试单",
                "indexes": [
                    models.Index(condition=models.Q(("sweep_at__isnull", False)), fields=["sweep_at"], name="ticket_sweep_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(verbose_name="when")),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("data", models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name="details")),
                ("kind", models.CharField(max_length=40)),
                ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="who")),
                ("ticket", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="entries", to="casework_test.ticket")),
            ],
            options={"ordering": ["at", "id"], "verbose_name": "测试记录", "verbose_name_plural": "测试记录"},
        ),
        AppendOnly("TicketEntry"),
    ]
