from celery import shared_task

from .sweep import sweep


@shared_task(name="casework.tasks.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> None:
    """Beat wakes this every minute; the work to do is in the database.

    acks_late with reject_on_worker_lost (settings): a killed worker's message is
    delivered again, and anything it had not finished is found by the next sweep."""
    sweep()
