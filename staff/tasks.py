import logging

from celery import shared_task
from celery.signals import beat_init
from django.db import DatabaseError, connection
from django.utils import timezone

# deliver is defined beside the code that queues it; named here, where tasks live.
from .notify import deliver, deliveries_requeue, digests_prepare
from .services import heartbeat_record

logger = logging.getLogger(__name__)

# The Heartbeat row that says when beat started; /health gives the scheduled jobs their
# allowance from there before it counts one that has not run yet as failing.
BEAT_STARTED_KEY = "beat_started"


def beat_started_record() -> None:
    """Record that beat starts now, unless no job has run since the start already
    recorded: a beat that keeps restarting without getting a job done keeps its first
    start, so /health still turns 503 once that start is older than a job's allowance."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO staff_heartbeat (key, beat_at) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET beat_at = EXCLUDED.beat_at "
            "WHERE EXISTS (SELECT 1 FROM staff_heartbeat AS job "
            "WHERE job.key <> EXCLUDED.key AND job.beat_at >= staff_heartbeat.beat_at)",
            [BEAT_STARTED_KEY, timezone.now()],
        )


@beat_init.connect(dispatch_uid="staff.beat_started")
def _on_beat_init(sender: object = None, **kwargs: object) -> None:
    try:
        beat_started_record()
    except Exception as exc:  # noqa: BLE001 - never keep beat from starting
        logger.warning("could not record the beat start: %s", type(exc).__name__)
    finally:
        connection.close()  # beat itself does not use the database


@shared_task(name="staff.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat(key: str) -> None:
    """Proves a worker (and, when scheduled, beat) is alive by writing to the database."""
    heartbeat_record(key=key)


@shared_task(name="staff.tasks.requeue_deliveries", ignore_result=True)
def requeue_deliveries() -> None:
    for pk in deliveries_requeue():
        deliver.delay(pk)


@shared_task(name="staff.tasks.send_digests", ignore_result=True)
def send_digests() -> None:
    """Each person's email digest of what came since the last one (beat, every
    NOTIFY_DIGEST_MINUTES); a doubled or retried run sends nothing twice."""
    digests_prepare()


@shared_task(
    name="staff.tasks.mask_old_contacts",
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
)
def mask_old_contacts() -> None:
    """Nightly: residents' contact data of cases closed longer than the retention period
    is masked in the database (staff.privacy); running twice masks nothing twice."""
    from . import privacy

    done = privacy.mask_old_contacts()
    if any(done.values()):
        logger.info("contact data masked: %s", done)
