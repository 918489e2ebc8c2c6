"""Lists say who must approve a waiting extension."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Grade
from tests.factories.complaints import advance, make_complaint


def _waiting(clerk, head, grade):
    c = advance(make_complaint(clerk=clerk, grade=grade), to="signed", clerk=clerk, head=head)
    services.extension_request(
        actor=head,
        complaint_id=c.pk,
        reason="等厂家配件",
        interim_measure="已临时关闭阀门",
        new_deadline=timezone.now() + dt.timedelta(days=20),
    )
    return c


def test_the_supervisor_list_names_the_director_for_a_minor_complaint(
    client, clerk, dept_head, supervisor
):
    c = _waiting(clerk, dept_head, Grade.MINOR)
    client.force_login(supervisor)
    body = client.get(reverse("complaints:list")).content.decode()
    assert c.number in body and "管理处主任" in body


def test_the_queue_names_the_general_manager_for_an_important_complaint(client, clerk, dept_head):
    _waiting(clerk, dept_head, Grade.IMPORTANT)
    client.force_login(dept_head)
    body = client.get(reverse("complaints:queue")).content.decode()
    assert "公司总经理" in body


def test_the_approver_sees_the_decision_form_and_others_do_not(
    client, clerk, dept_head, director, supervisor
):
    c = _waiting(clerk, dept_head, Grade.MINOR)
    url = reverse("complaints:detail", args=[c.pk])
    client.force_login(director)
    assert "decide" in client.get(url).content.decode()
    client.force_login(supervisor)
    assert reverse("complaints:decide_extension", args=[c.extensions.get().pk]) not in (
        client.get(url).content.decode()
    )
