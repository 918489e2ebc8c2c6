"""Every URL pattern × every role: who gets the page, who gets 403, who is sent to log in.

A new URL pattern without a line in EXPECTED makes ``test_every_url_is_in_the_matrix``
fail, so no page can ship without its permission decision.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import ROLE_FIXTURES

EVERYONE = set(ROLE_FIXTURES)
PUBLIC = "public"
COMPLAINT_READERS = {
    "clerk",
    "duty_officer",
    "dept_head",
    "supervisor",
    "director",
    "gm",
    "manager",
}
POST_ONLY = "post only"
# Repair orders: the desk, the engineering head and technicians, the estate's managers.
REPAIR_READERS = COMPLAINT_READERS | {"technician"}
# Callbacks: the desk records them, the estate's managers read how it goes.
CALLBACK_DESK = {"clerk", "duty_officer", "supervisor", "manager"}
CALLBACK_READERS = CALLBACK_DESK | {"director", "gm"}
MONTHLY_READERS = {"supervisor", "director", "gm", "manager"}
COMPANY_READERS = {"gm", "manager"}  # the company-wide view
# Inquiries, help requests and the duty log: the desk records, the estate's managers read.
HELPDESK_READERS = CALLBACK_READERS

# url name -> roles that get the page on GET (others logged in: 403).
EXPECTED: dict[str, set[str] | str] = {
    "health": PUBLIC,
    "login": PUBLIC,
    "set_language": PUBLIC,  # POST only; tested separately
    "logout": EVERYONE,
    "home": EVERYONE - {"no_role"},  # redirects to the role's start page
    "complaints:intake": {"clerk", "duty_officer", "supervisor", "manager"},
    "complaints:intake_units": {"clerk", "duty_officer", "supervisor", "manager"},
    "complaints:intake_history": {"clerk", "duty_officer", "supervisor", "manager"},
    "complaints:queue": {"dept_head", "manager"},
    "repairs:mine": {"dept_head", "technician", "manager"},
    # Any staff member of an estate reports a repair; the desk (and the engineering
    # head) dispatch it. The general manager has no estate to report at.
    "repairs:new": EVERYONE - {"no_role", "gm"},
    "repairs:history": REPAIR_READERS,
    "repairs:detail": REPAIR_READERS,
    "repairs:print": REPAIR_READERS,
    "repairs:print_warranty": REPAIR_READERS,
    "repairs:signature": REPAIR_READERS,
    "repairs:photo": REPAIR_READERS,
    "repairs:act": POST_ONLY,
    # The board: the desk, the estate's managers and the engineering head (not the
    # technicians); the roster is read there too, and changed by the head and supervisors.
    "repairs:board": COMPLAINT_READERS,
    "repairs:board_live": COMPLAINT_READERS,
    "repairs:roster": COMPLAINT_READERS,
    "reports:overview": {"supervisor", "director", "gm", "manager"},
    # The monthly report (月度统计): the estate's supervisor, its office director, the
    # general manager; the staff complained about repeatedly are on it for managers only
    # (tests/test_report_cycle.py).
    "reports:monthly_list": MONTHLY_READERS,
    "reports:monthly": MONTHLY_READERS,
    "reports:monthly_print": MONTHLY_READERS,
    "reports:monthly_xlsx": MONTHLY_READERS,
    "reports:monthly_csv": MONTHLY_READERS,
    "reports:monthly_company": COMPANY_READERS,
    "reports:monthly_company_export": COMPANY_READERS,
    "reports:monthly_act": POST_ONLY,
    "contact_reveal": POST_ONLY,
    "helpdesk:list": HELPDESK_READERS,
    "helpdesk:new": CALLBACK_DESK,
    "helpdesk:detail": HELPDESK_READERS,
    "helpdesk:act": POST_ONLY,
    "helpdesk:duty": HELPDESK_READERS,
    "helpdesk:duty_act": POST_ONLY,
    "helpdesk:review": HELPDESK_READERS,
    # Complaint pages: every role that works complaints; rows are scoped further
    # (tests/test_complaint_access.py checks estates and departments).
    "complaints:list": COMPLAINT_READERS,
    "complaints:detail": COMPLAINT_READERS,
    "complaints:print": COMPLAINT_READERS,
    # Callbacks (回访): a visit's drawn signature is read with its case (the complaint's
    # or the repair order's page), so by whoever reads the case.
    "callbacks:list": CALLBACK_READERS,
    "callbacks:rates": CALLBACK_READERS,
    "callbacks:record": CALLBACK_READERS,
    "callbacks:save": POST_ONLY,
    "callbacks:signature": REPAIR_READERS,
    "callbacks:letter_new": CALLBACK_DESK,
    "callbacks:letter_write": POST_ONLY,
    "callbacks:letter": CALLBACK_READERS,
    "callbacks:letter_print": CALLBACK_READERS,
    "inbox": EVERYONE,
    "inbox_read_all": POST_ONLY,
    "inbox_read": POST_ONLY,
    "complaints:act": POST_ONLY,
    "complaints:decide_extension": POST_ONLY,
}


def _names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def test_every_url_is_in_the_matrix():
    assert set(_names(get_resolver().url_patterns)) == set(EXPECTED)


PROTECTED = [name for name, who in EXPECTED.items() if who not in (PUBLIC, POST_ONLY)]
POSTS = [name for name, who in EXPECTED.items() if who == POST_ONLY]


@pytest.fixture
def url_for(request):
    """reverse() with a real complaint (routed to the engineering department) where needed."""

    def _url(name):
        if name in ("complaints:detail", "complaints:print"):
            return reverse(name, args=[request.getfixturevalue("routed_complaint").pk])
        if name == "complaints:act":
            return reverse(name, args=[request.getfixturevalue("routed_complaint").pk, "note"])
        if name in REPAIR_ORDER_URLS:
            return reverse(name, args=[request.getfixturevalue("signed_order").pk])
        if name == "repairs:photo":
            order = request.getfixturevalue("signed_order")
            return reverse(name, args=[order.pk, order.photos.get().pk])
        if name == "repairs:act":
            return reverse(name, args=[request.getfixturevalue("signed_order").pk, "chase"])
        if name in ("callbacks:record", "callbacks:signature"):
            return reverse(name, args=[request.getfixturevalue("visited_callback").pk])
        if name in ("callbacks:letter", "callbacks:letter_print"):
            return reverse(name, args=[request.getfixturevalue("public_letter").pk])
        if name in MONTHLY_REPORT_URLS:
            return reverse(name, args=[request.getfixturevalue("monthly_report").pk])
        if name == "contact_reveal":
            return reverse(name, args=["complaint", request.getfixturevalue("routed_complaint").pk])
        if name == "helpdesk:detail":
            return reverse(name, args=[request.getfixturevalue("help_request").pk])
        if name == "helpdesk:act":
            return reverse(name, args=[request.getfixturevalue("help_request").pk, "answer"])
        if name == "helpdesk:duty_act":
            return reverse(name, args=["open"])
        if name == "reports:monthly_company":
            return reverse(name, args=[2026, 11])
        if name == "reports:monthly_company_export":
            return reverse(name, args=[2026, 11, "xlsx"])
        if name == "reports:monthly_act":
            return reverse(name, args=[request.getfixturevalue("monthly_report").pk, "sign"])
        if name in ("complaints:decide_extension", "inbox_read", "callbacks:save"):
            return reverse(name, args=[1])
        return reverse(name)

    return _url


REPAIR_ORDER_URLS = {
    "repairs:detail",
    "repairs:print",
    "repairs:print_warranty",
    "repairs:signature",
}


MONTHLY_REPORT_URLS = {
    "reports:monthly",
    "reports:monthly_print",
    "reports:monthly_xlsx",
    "reports:monthly_csv",
}


@pytest.fixture
def monthly_report(ch):
    """A stored monthly report of the estate (its figures as ``build_report`` gives them)."""
    import datetime as dt

    from django.utils import timezone

    from reports.models import MonthlyReport

    row = {"key": "grade.minor", "label": "轻微", "value": 2, "previous": 1, "last_year": 0}
    data = {
        "month": "2026-11",
        "estates": [ch.pk],
        "sections": [{"key": "complaints", "title": "投诉", "rows": [{**row, "link": None}]}],
        "late": [],
        "ladder": [{"name": "李四", "department": "工程部", "count": 2, "step": "批评"}],
    }
    return MonthlyReport.objects.create(
        estate=ch, month=dt.date(2026, 11, 1), data=data, built_at=timezone.now()
    )


@pytest.fixture
def signed_order(clerk, technician):
    """A repair order with a photo and a signature drawn on the screen."""
    import io

    from PIL import Image, ImageDraw

    from repairs import services
    from tests.factories.repairs import advance, make_order

    o = advance(make_order(clerk=clerk), to="arrived", clerk=clerk, technician=technician)
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(photo, "JPEG")
    services.repair_add_photo(
        actor=technician, order_id=o.pk, stage="before", data=photo.getvalue()
    )
    services.repair_finish(actor=technician, order_id=o.pk, work_done="更换阀芯")
    drawing = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(drawing).line([(10, 100), (290, 20)], fill="black", width=4)
    png = io.BytesIO()
    drawing.save(png, "PNG")
    services.repair_sign(actor=technician, order_id=o.pk, signature=png.getvalue())
    return o


@pytest.fixture
def visited_callback(signed_order, clerk):
    """The repair's callback, recorded by a visit with the resident's signature drawn."""
    import io

    from PIL import Image, ImageDraw

    from callbacks import services

    drawing = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(drawing).line([(10, 100), (290, 20)], fill="black", width=4)
    png = io.BytesIO()
    drawing.save(png, "PNG")
    cb = signed_order.callbacks.get()
    return services.callback_record(
        actor=clerk,
        callback_id=cb.pk,
        method="visit",
        reached=True,
        satisfaction="satisfied",
        attitude="satisfied",
        speed="satisfied",
        quality="satisfied",
        signature=png.getvalue(),
    )


@pytest.fixture
def public_letter(clerk, dept_head):
    """One public letter (公开信) answering the callbacks of two closed complaints."""
    from callbacks import services
    from tests.factories.complaints import advance, make_complaint

    ids = [
        advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
        .callbacks.get()
        .pk
        for _ in range(2)
    ]
    return services.letter_write(
        actor=clerk,
        estate_id=clerk.staff_profile.estate_id,
        title="关于3号楼漏水的说明",
        body="各位住户：漏水已处理。",
        callback_ids=ids,
    )


@pytest.fixture
def help_request(clerk):
    from helpdesk import services

    return services.request_receive(
        actor=clerk,
        estate=clerk.staff_profile.estate,
        kind="help",
        channel="phone",
        question="门禁卡打不开",
        location="3栋大堂",
    )


@pytest.fixture
def routed_complaint(clerk, dept_head):
    from tests.factories.complaints import advance, make_complaint

    return advance(make_complaint(clerk=clerk), to="routed", clerk=clerk, head=dept_head)


@pytest.mark.parametrize("url_name", PROTECTED + POSTS)
def test_anonymous_is_sent_to_login(client, db, url_for, url_name):
    response = client.get(url_for(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLE_FIXTURES)
@pytest.mark.parametrize("url_name", PROTECTED)
def test_role_gets_exactly_its_pages(client, ch, user_of, url_for, role, url_name):
    url = url_for(url_name)
    client.force_login(user_of(role))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if role in EXPECTED[url_name]:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 403
    # The one write a GET makes: a printed form that carries the resident's phone by
    # design records the reveal (staff.privacy), as the law asks.
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and not q["sql"].startswith('INSERT INTO "staff_contactreveal"')
    ]
    assert writes == [], "a GET must never change state"


@pytest.mark.parametrize(
    ("role", "start"),
    [
        ("clerk", "complaints:intake"),
        ("duty_officer", "complaints:intake"),
        ("dept_head", "complaints:queue"),
        ("technician", "repairs:mine"),
        ("supervisor", "reports:overview"),
        ("director", "reports:overview"),
        ("gm", "reports:overview"),
        ("manager", "complaints:intake"),
    ],
)
def test_home_sends_each_role_to_its_start_page(client, user_of, role, start):
    client.force_login(user_of(role))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(start)


def test_user_without_role_is_told_so(client, no_role):
    client.force_login(no_role)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "staff/no_role.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("url_name", [n for n in PROTECTED if n != "logout"])
def test_post_to_a_get_page_is_refused(client, manager, url_for, url_name):
    url = url_for(url_name)
    client.force_login(manager)
    response = client.post(url)
    assert response.status_code in (403, 405)


@pytest.mark.parametrize("role", ROLE_FIXTURES)
@pytest.mark.parametrize("url_name", POSTS)
def test_post_only_urls_refuse_get(client, user_of, url_for, role, url_name):
    url = url_for(url_name)
    client.force_login(user_of(role))
    assert client.get(url).status_code == 405


def test_overview_lists_only_the_users_estates(client, supervisor, gm, ch, jr):
    client.force_login(supervisor)
    body = client.get(reverse("reports:overview")).content.decode()
    assert ch.name in body and jr.name not in body
    client.force_login(gm)
    body = client.get(reverse("reports:overview")).content.decode()
    assert ch.name in body and jr.name in body
