"""The desk's screens for inquiries and help requests (咨询求助), the duty log (值班记录,
交接班) and the morning review: who opens what, another estate's request is not found,
the new form (an emergency alerts; a mistake saves nothing), a request's actions, the
duty handed over and confirmed through the views, yesterday's unfinished work on the
review, GET pages that never write, and the pages in the default Chinese."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from helpdesk import services
from helpdesk.models import (
    Channel,
    DutyEntry,
    DutyShift,
    EventKind,
    Handover,
    Kind,
    Request,
    RequestCounter,
    RequestEvent,
    Status,
)

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DESK = ["clerk", "duty_officer", "supervisor"]
READERS = ["director", "gm"]
OUTSIDERS = ["technician", "dept_head", "no_role"]
ANSWER = "已联系开锁师傅，业主已进门"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def receive(actor, **fields) -> Request:
    data = {
        "kind": Kind.HELP,
        "channel": Channel.PHONE,
        "location": "3号楼大堂",
        "question": "钥匙锁在家里了，请帮忙联系开锁",
        **fields,
    }
    return services.request_receive(actor=actor, estate=actor.staff_profile.estate, **data)


def pages(r: Request, query: str = "") -> list[str]:
    """Every GET page of the app (the new form in both of its kinds)."""
    return [
        reverse("helpdesk:list") + query,
        reverse("helpdesk:new") + "?kind=help" + query.replace("?", "&"),
        reverse("helpdesk:new") + "?kind=inquiry" + query.replace("?", "&"),
        reverse("helpdesk:detail", args=[r.pk]),
        reverse("helpdesk:duty") + query,
        reverse("helpdesk:review") + query,
    ]


def posts(r: Request, supervisor) -> list[tuple[str, dict]]:
    """Every POST of the app, each with a valid body and with an empty one."""
    act = lambda verb: reverse("helpdesk:act", args=[r.pk, verb])  # noqa: E731
    duty = lambda verb: reverse("helpdesk:duty_act", args=[verb])  # noqa: E731
    valid = [
        (act("refer"), {"supervisor": supervisor.pk}),
        (act("action"), {"note": "已派保安前往", "who_went": "张三"}),
        (act("answer"), {"answer": "已开锁"}),
        (duty("open"), {}),
        (duty("note"), {"target": "1", "text": "巡楼一次"}),
        (duty("handover"), {"target": "1", "to": supervisor.pk}),
        (duty("confirm"), {"target": "1"}),
    ]
    return valid + [(url, {}) for url, _ in valid]


def between(html: str, outer: str, inner: str) -> str:
    """The section ``inner`` inside ``outer``, up to its end."""
    start = html.index(inner, html.index(outer))
    return html[start:].split("</section>")[0]


def snapshot() -> tuple:
    return (
        list(Request.objects.values_list("pk", "status", "referred_at", "answer")),
        RequestEvent.objects.count(),
        list(DutyShift.objects.values_list("pk", "ended_at")),
        DutyEntry.objects.count(),
        Handover.objects.count(),
    )


# --- who opens what ---------------------------------------------------------------------


@pytest.mark.parametrize("role", DESK)
def test_the_desk_opens_every_page(client, user_of, clerk, role):
    r = receive(clerk)
    c = english(client, user_of(role))
    for url in pages(r):
        assert c.get(url).status_code == 200, url


@pytest.mark.parametrize("role", READERS)
def test_readers_read_every_page_but_do_not_record(client, user_of, ch, jr, clerk, role):
    r = receive(clerk)
    c = english(client, user_of(role))
    query = f"?estate={ch.pk}"
    for url in pages(r, query):
        expected = 403 if url.startswith(reverse("helpdesk:new")) else 200
        assert c.get(url).status_code == expected, url
    # The general manager chooses the estate; the director's is her own.
    shown = jr if role == "gm" else ch
    html = c.get(reverse("helpdesk:review") + f"?estate={jr.pk}").content.decode()
    assert shown.name in html
    listed = c.get(reverse("helpdesk:list") + f"?estate={jr.pk}").content.decode()
    assert (r.number in listed) == (role == "director")


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_are_refused_every_page_and_every_post(client, user_of, clerk, supervisor, role):
    r = receive(clerk)
    c = english(client, user_of(role))
    before = snapshot()
    refused = [(url, c.get(url).status_code) for url in pages(r)]
    refused += [(url, c.post(url, data).status_code) for url, data in posts(r, supervisor)]
    assert [x for x in refused if x[1] != 403] == []
    assert snapshot() == before


def test_anonymous_is_sent_to_log_in(client, clerk, supervisor):
    r = receive(clerk)
    login = reverse("login")
    for url in pages(r):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    before = snapshot()
    for url, data in posts(r, supervisor):
        response = client.post(url, data)
        assert response.status_code == 302 and response.url.startswith(login), url
    assert snapshot() == before


def test_another_estates_request_is_not_found(client, clerk, other_clerk):
    r = receive(clerk)
    c = english(client, other_clerk)
    assert c.get(reverse("helpdesk:detail", args=[r.pk])).status_code == 404
    for verb, data in [("answer", {"answer": "已开锁"}), ("action", {"note": "看过了"})]:
        assert c.post(reverse("helpdesk:act", args=[r.pk, verb]), data).status_code == 404
    r.refresh_from_db()
    assert r.status == Status.OPEN and r.events.count() == 1
    assert r.number not in c.get(reverse("helpdesk:list")).content.decode()


# --- the new form -----------------------------------------------------------------------


def test_a_medical_emergency_is_saved_alerted_and_shown(client, clerk, duty_officer, director):
    c = english(client, clerk)
    data = {
        "kind": "medical",
        "channel": "phone",
        "location": "5号楼电梯口",
        "question": "老人晕倒",
    }
    response = c.post(reverse("helpdesk:new") + "?kind=help", data)
    r = Request.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("helpdesk:detail", args=[r.pk])
    assert re.fullmatch(r"ZX-\d{6}-0001", r.number)
    assert (r.kind, r.status, r.received_by) == (Kind.MEDICAL, Status.OPEN, clerk)
    assert r.alerted_at is not None
    assert set(r.events.values_list("kind", flat=True)) == {EventKind.RECEIVED, EventKind.ALERTED}
    html = c.get(response.url).content.decode()
    assert 'data-testid="emergency"' in html and "Emergency" in html
    assert "alerted" in html and r.number in html and "老人晕倒" in html and "5号楼电梯口" in html


@pytest.mark.parametrize(
    "data, error",
    [
        ({"kind": "help", "location": "大堂", "question": ""}, "This field is required."),
        ({"kind": "security", "location": "车库", "question": "车被撬了"}, "Say what happened"),
    ],
    ids=["no-question", "security-without-what-happened"],
)
def test_a_form_error_shows_again_with_400_and_saves_nothing(client, clerk, data, error):
    response = english(client, clerk).post(reverse("helpdesk:new"), {"channel": "phone", **data})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert 'data-testid="request-form"' in response.content.decode()
    assert not Request.objects.exists() and not RequestEvent.objects.exists()
    assert not RequestCounter.objects.filter(last__gt=0).exists()


# --- a request's actions ----------------------------------------------------------------


def test_refer_action_and_answer_then_a_second_answer_is_refused(client, clerk, supervisor):
    r = receive(clerk)
    c = english(client, clerk)
    act = lambda verb, **data: c.post(reverse("helpdesk:act", args=[r.pk, verb]), data)  # noqa: E731
    detail = reverse("helpdesk:detail", args=[r.pk])

    assert act("refer", supervisor=supervisor.pk).url == detail
    r.refresh_from_db()
    assert r.referred_to == supervisor and r.answer_due is not None
    assert act("action", note="已派保安前往", who_went="张三").url == detail
    assert act("answer", answer=ANSWER).url == detail
    r.refresh_from_db()
    assert (r.status, r.answered_by, r.answer) == (Status.CLOSED, clerk, ANSWER)
    logged = list(r.events.order_by("at", "pk").values_list("kind", flat=True))
    assert logged == ["received", "referred", "action", "answered"]
    html = c.get(detail).content.decode()
    assert "Who went" in html and "张三" in html and 'data-testid="answer"' in html

    response = c.post(
        reverse("helpdesk:act", args=[r.pk, "answer"]), {"answer": "再答"}, follow=True
    )
    assert response.status_code == 200
    assert "This request is already done." in response.content.decode()
    r.refresh_from_db()
    assert r.answer == ANSWER and r.events.count() == 4


# --- the duty log -----------------------------------------------------------------------


def test_the_duty_is_opened_noted_handed_over_and_confirmed(
    client, ch, clerk, duty_officer, supervisor
):
    for user, first in ((clerk, "小丽"), (duty_officer, "大力")):
        user.first_name = first
        user.save(update_fields=["first_name"])
    duty_url = reverse("helpdesk:duty")
    post = lambda c, verb, **data: c.post(reverse("helpdesk:duty_act", args=[verb]), data)  # noqa: E731
    c = english(client, duty_officer)
    assert 'data-testid="open-duty"' in c.get(duty_url).content.decode()
    assert post(c, "open").url == duty_url
    shift = DutyShift.objects.get()
    assert shift.holder == duty_officer and shift.ended_at is None
    post(c, "note", target=shift.pk, text="23:10 巡查地下车库，正常")
    assert list(shift.entries.values_list("note", flat=True)) == ["23:10 巡查地下车库，正常"]
    r = receive(duty_officer, question="夜间有人按门铃求助")
    post(c, "handover", target=shift.pk, to=clerk.pk, watch="留意5号楼电梯")
    handover = Handover.objects.get()
    assert (handover.by, handover.to, handover.confirmed_at) == (duty_officer, clerk, None)
    assert [i["number"] for i in handover.items] == [r.number]
    assert services.on_duty(ch.pk).holder == duty_officer  # still theirs until confirmed

    # Somebody else of the desk cannot confirm it.
    c = english(client, supervisor)
    assert post(c, "confirm", target=handover.pk).status_code == 403
    handover.refresh_from_db()
    assert handover.confirmed_at is None

    c = english(client, clerk)
    html = c.get(duty_url).content.decode()
    assert 'data-testid="handover-to-me"' in html and r.number in html and "留意5号楼电梯" in html
    assert post(c, "confirm", target=handover.pk).url == duty_url
    handover.refresh_from_db()
    shift.refresh_from_db()
    assert handover.confirmed_at is not None and shift.ended_at == handover.confirmed_at
    assert services.on_duty(ch.pk).holder == clerk
    html = c.get(duty_url).content.decode()
    assert 'data-testid="handover-to-me"' not in html
    on_duty = html[html.index('data-testid="on-duty"') :].split("</h2>")[0]
    assert "王小丽" in on_duty and "王大力" not in on_duty
    assert 'data-testid="write-handover"' in html


# --- the morning review -----------------------------------------------------------------


def test_the_review_shows_yesterdays_open_request_as_unfinished(client, clerk):
    with time_machine.travel(dt.datetime(2026, 3, 9, 21, 30, tzinfo=TZ), tick=False):
        open_one = receive(clerk, question="楼道灯不亮，业主求助")
        done = receive(clerk, question="问物业费缴费时间", kind=Kind.INQUIRY, answer="每月10日前")
    with time_machine.travel(dt.datetime(2026, 3, 10, 8, 30, tzinfo=TZ), tick=False):
        for query in ("", "?day=2026-03-10"):
            html = english(client, clerk).get(reverse("helpdesk:review") + query).content.decode()
            unfinished = html[: html.index('data-testid="due-today"')]
            requests = between(unfinished, 'data-testid="unfinished"', 'data-testid="requests"')
            assert open_one.number in requests and done.number not in requests
            assert re.search(r'data-testid="count">1<', requests)
        html = english(client, clerk).get(reverse("helpdesk:review") + "?day=2026-03-12")
        assert open_one.number not in html.content.decode().split('data-testid="due-today"')[0]


# --- GET pages never write; the default language --------------------------------------


@pytest.mark.parametrize("role", ["clerk", "director"])
def test_get_pages_never_write(client, user_of, ch, clerk, duty_officer, supervisor, role):
    r = receive(clerk, kind=Kind.MEDICAL, question="有人摔倒")
    services.request_refer(actor=clerk, request_id=r.pk, supervisor=supervisor)
    shift = services.shift_open(actor=duty_officer, estate=ch)
    services.duty_note(actor=duty_officer, shift_id=shift.pk, text="巡楼")
    services.handover_write(actor=duty_officer, shift_id=shift.pk, to=clerk)
    c = english(client, user_of(role))
    for url in pages(r, f"?estate={ch.pk}") + [reverse("helpdesk:list") + "?open=1&page=2"]:
        with CaptureQueriesContext(connection) as ctx:
            c.get(url)
        assert [q["sql"] for q in ctx.captured_queries if WRITES.match(q["sql"])] == [], url


def test_the_pages_are_in_chinese_by_default(client, clerk):
    r = receive(clerk)
    client.force_login(clerk)  # no language cookie: the site's language
    for url in pages(r):
        html = client.get(url).content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        h1 = re.search(r'data-testid="page-title">(.*?)</h1>', html, re.S).group(1)
        for text in (title, h1):
            assert re.search(r"[\u4e00-\u9fff]", text), (url, text)
            left = re.sub(r"\b[A-Z]{1,4}-\d[\w\-]*", "", text)  # ZX-202603-0001
            assert not re.search(r"[A-Za-z]{3,}", left), (url, text)
