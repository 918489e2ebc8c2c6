from celery import shared_task

from .notifications import routed_notice_send


@shared_task(
    name="complaints.tasks.notify_routed",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def notify_routed(complaint_id: int) -> None:
    """Tell the department head a complaint was routed to the department."""
    routed_notice_send(complaint_id=complaint_id)
