"""A unit's latest orders off one index (unit, newest first): the order's page and the
desk's form read twenty of them, where PostgreSQL fetched and sorted every order the unit
ever had (413 at the benchmark's busiest unit: 1.6 ms against 0.1). Built concurrently,
so the table stays writable; the unit's own index goes, as both indexes of repair orders
by unit now start with it."""

import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("repairs", "0006_board_index"),
        ("staff", "0008_contact_reveals"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="repairorder",
            index=models.Index(fields=["unit", "-reported_at"], name="repair_unit_recv_idx"),
        ),
        migrations.AlterField(
            model_name="repairorder",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="repair_orders",
                to="staff.unit",
                verbose_name="unit",
            ),
        ),
    ]
