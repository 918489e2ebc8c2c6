"""Repair orders in the admin: read-only, with the log inline."""

import pytest
from django.urls import reverse
from django.utils import translation

from repairs.models import RepairOrderEvent, Status
from tests.factories.repairs import advance, make_order


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    with translation.override("en"):
        yield


@pytest.fixture
def order(clerk, technician):
    return advance(make_order(clerk=clerk), to=Status.TAKEN, clerk=clerk, technician=technician)


def test_the_admin_shows_orders_and_their_log_read_only(client, manager, order):
    client.force_login(manager)
    listing = client.get(reverse("admin:repairs_repairorder_changelist"))
    assert listing.status_code == 200 and order.number in listing.text
    page = client.get(reverse("admin:repairs_repairorder_change", args=[order.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text  # read-only
    event = RepairOrderEvent.objects.filter(order=order).first()
    assert event is not None
    log = client.get(reverse("admin:repairs_repairorderevent_change", args=[event.pk]))
    assert log.status_code == 200
    assert client.get(reverse("admin:repairs_repairorder_add")).status_code == 403
