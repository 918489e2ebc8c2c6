from celery import shared_task

from .notify import deliveries_requeue, delivery_send
from .services import heartbeat_record


@shared_task(name="staff.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat(key: str) -> None:
    """Proves a worker (and, when scheduled, beat) is alive by writing to the database."""
    heartbeat_record(key=key)


@shared_task(name="staff.tasks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> None:
    """Send one email or WeCom message; failures are rescheduled in the database."""
    delivery_send(delivery_id=delivery_id)


@shared_task(name="staff.tasks.requeue_deliveries", ignore_result=True)
def requeue_deliveries() -> None:
    for pk in deliveries_requeue():
        deliver.delay(pk)
