from celery import shared_task

from .services import heartbeat_record


@shared_task(name="staff.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat(key: str) -> None:
    """Proves a worker (and, when scheduled, beat) is alive by writing to the database."""
    heartbeat_record(key=key)
