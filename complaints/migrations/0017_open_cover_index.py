"""The open complaints' index holds what the estate overview counts (status, repeat,
escalation, id): an index-only scan instead of reading 35,000 rows' pages at CH in the
benchmark (27.6 -> 6.8 ms). Built concurrently, then the old one dropped."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0016_search_window_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["estate", "next_due"],
                include=["status", "repeat_of", "escalated_to", "id"],
                name="complaint_open_cover_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="complaint", name="complaint_estate_open_idx"),
    ]
