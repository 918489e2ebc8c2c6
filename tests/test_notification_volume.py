"""Ten minutes of a normal morning at the desk, with the clock moved: twenty complaints
taken and routed, the department signing for most in time, the sweep every minute and
the digest every quarter of an hour. The clerk and the supervisor get a handful of inbox
lines and emails, and every alarm can still be found."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from casework.models import Alarm
from casework.sweep import sweep
from complaints import services
from complaints.models import Category, Channel, Grade
from staff import notify
from staff.inbox import inbox_lines
from staff.models import Delivery, Notification

pytestmark = pytest.mark.usefixtures("sent_tasks")

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday morning, working hours
COMPLAINTS = 20
STEP = dt.timedelta(seconds=30)


@pytest.fixture
def desk(clerk, supervisor, dept_head, director, eng):
    for user, email in [(clerk, "clerk"), (supervisor, "sup"), (dept_head, "head")]:
        user.email = f"{email}@example.com"
        user.save(update_fields=["email"])
    return clerk, supervisor, dept_head, eng


def signs_after(i: int, busy: bool) -> dt.timedelta | None:
    """When the head signs for complaint ``i``: most within two minutes; every fifth
    not at all; two after the reminder but in time. On the busy day: never."""
    if busy or i % 5 == 0:
        return None
    if i in (3, 13):
        return dt.timedelta(minutes=8, seconds=30)
    return dt.timedelta(minutes=2)


def run_morning(desk, *, busy: bool) -> list:
    clerk, _supervisor, head, eng = desk
    complaints: list = []
    signings: list = []
    digest_every = dt.timedelta(minutes=15)
    moment = T0
    while moment <= T0 + dt.timedelta(minutes=30):
        with time_machine.travel(moment, tick=False):
            i = len(complaints)
            if i < COMPLAINTS and moment == T0 + i * STEP:
                c = services.complaint_intake(
                    actor=clerk,
                    estate=clerk.staff_profile.estate,
                    outcome="route",
                    department=eng,
                    channel=Channel.PHONE,
                    category=Category.ENGINEERING,
                    grade=Grade.MINOR,
                    description=f"{i}号楼道灯不亮",
                    resident_name=f"住户{i}",
                    resident_phone=f"1391234{i:04d}",
                )
                complaints.append(c)
                delay = signs_after(i, busy)
                if delay is not None:
                    signings.append((moment + delay, c))
            for when, c in [s for s in signings if s[0] <= moment]:
                services.complaint_sign(actor=head, complaint_id=c.pk)
                signings.remove((when, c))
            if (moment - T0) % dt.timedelta(minutes=1) == dt.timedelta():
                sweep()
            if moment > T0 and (moment - T0) % digest_every == dt.timedelta():
                notify.digests_prepare()
        moment += STEP
    for d in Delivery.objects.filter(state=Delivery.State.PENDING):
        notify.delivery_send(delivery_id=d.pk)
    return complaints


def emails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def assert_every_alarm_is_findable(complaints, clerk, supervisor, head):
    """Each routing alarm is a message in the inbox of everyone it concerns, and each
    of those messages was in one of that person's digest emails."""
    alarms = Alarm.objects.filter(case_type="complaint", case_id__in=[c.pk for c in complaints])
    assert alarms.exists()
    for alarm in alarms:
        people = [clerk] if alarm.kind == "reminder" else [clerk, supervisor, head]
        for user in people:
            [n] = Notification.objects.filter(
                recipient=user, key__startswith=f"complaint:{alarm.case_id}:route:{alarm.kind}:"
            )
            assert n.thread == f"complaint:{alarm.case_id}"
            assert any(n in line.messages for line in inbox_lines(user=user))
            assert n.digest_key and not n.digest_pending
            assert sum(n.subject in m.body for m in emails_to(user)) == 1


def test_a_normal_morning_gives_a_handful_of_lines_and_emails(desk):
    clerk, supervisor, head, _eng = desk
    complaints = run_morning(desk, busy=False)
    # Six complaints were not signed for by the reminder, four of them not in time.
    clerk_messages = Notification.objects.filter(recipient=clerk).count()
    assert clerk_messages == 6 + 4
    assert len(inbox_lines(user=clerk)) == 6
    assert len(emails_to(clerk)) <= 2
    assert Notification.objects.filter(recipient=supervisor).count() == 4
    assert len(inbox_lines(user=supervisor)) == 4
    assert len(emails_to(supervisor)) <= 2
    assert_every_alarm_is_findable(complaints, clerk, supervisor, head)
    # The head: one line per complaint routed to them (the routed notice, and the
    # overdue of the four not signed for joined to it).
    assert len(inbox_lines(user=head)) == COMPLAINTS


def test_a_day_nobody_signs_still_sends_one_email_per_quarter_hour(desk):
    """The reported day: every complaint "due soon" then "overdue". Forty messages for
    the clerk become one line per complaint and two emails."""
    clerk, supervisor, head, _eng = desk
    complaints = run_morning(desk, busy=True)
    assert Notification.objects.filter(recipient=clerk).count() == 2 * COMPLAINTS
    assert len(inbox_lines(user=clerk)) == COMPLAINTS
    assert len(inbox_lines(user=supervisor)) == COMPLAINTS
    assert len(emails_to(clerk)) == 2 and len(emails_to(supervisor)) == 2
    assert_every_alarm_is_findable(complaints, clerk, supervisor, head)
