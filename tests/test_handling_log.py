"""The handling log is append-only: the database and the model refuse changes."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models.deletion import ProtectedError

from complaints.models import ComplaintEvent
from tests.factories.complaints import make_complaint

# The complaint services queue Celery tasks; every test here records them instead
# (the ``sent_tasks`` fixture in conftest.py) so nothing reaches the broker.
pytestmark = pytest.mark.usefixtures("sent_tasks")


def test_the_database_refuses_to_update_the_handling_log(clerk):
    c = make_complaint(clerk=clerk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ComplaintEvent.objects.filter(complaint=c).update(note="x")
    assert list(c.events.values_list("note", flat=True)) == ["", ""]


def test_the_database_refuses_to_delete_from_the_handling_log(clerk):
    c = make_complaint(clerk=clerk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ComplaintEvent.objects.filter(complaint=c).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_complaintevent")
    assert c.events.count() == 2


def test_a_log_entry_cannot_be_saved_again_or_deleted_through_the_model(clerk):
    c = make_complaint(clerk=clerk)
    event = c.events.first()
    event.note = "x"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
    assert c.events.count() == 2


def test_a_complaint_with_a_handling_log_cannot_be_deleted(clerk):
    c = make_complaint(clerk=clerk)
    with pytest.raises(ProtectedError), transaction.atomic():
        c.delete()
    assert c.events.count() == 2
