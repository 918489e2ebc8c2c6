"""No English from our own code on a Chinese page.

Each role logs in with the Chinese language chosen (the language cookie, as the switch
sets it) and opens every page it may open: the desk's pages, and for the manager the
admin index, every registered model's list, add form and the change form of a row.
What a person reads is kept: the text outside <script> and <style>, the page title and
the texts of placeholders, tooltips and buttons. Removed from it: what users typed
(usernames, stored in the database by these tests; the complaint's Chinese texts need
nothing), numbers and codes (TS-202611-0001, E3), URLs, and the few words kept in
Latin letters on purpose (ALLOWED). Any run of three or more Latin letters left is an
untranslated string, listed per page.

Pages of other developers are included on purpose: a new screen's missing translation
fails here too.
"""

import re
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from complaints import services
from staff.models import CalendarDay, Heartbeat, Resident, Unit
from tests.conftest import ROLE_FIXTURES
from tests.factories.complaints import make_complaint

# Words in Latin letters that the Chinese UI shows on purpose.
ALLOWED = {
    "English",  # the language switch names each language in itself
    "chinese-calendar",  # the package the holidays come from, named so managers find it
    "CSV",  # file formats of the unit import
    "XLSX",
    "WeCom",  # 企业微信's own name beside it, as in the seeds
    "Webhook",  # the robot's address field, as WeCom's manual calls it
    "LDAP",  # in Django's own Chinese help text of the user form
    "Ctrl",  # key names as printed on the keys: the intake desk's shortcuts,
    "Alt",
    "Enter",
    "Control",  # and Django's own help for picking several (按住 Control … Mac 上的 Command)
    "Command",
    "Mac",
}

WORD = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]|[A-Za-z]")
NOT_WORDS = [
    re.compile(r"https?://\S+|/[\w\-./?=&%]+"),  # URLs and paths
    re.compile(r"\S+@\S+"),  # email addresses
    re.compile(r"\b[A-Z]{1,4}-?\d[\w\-]*"),  # numbers and codes: TS-202611-0001, E3
    re.compile(r"\b[a-z_]+(\.[a-z_]+)+\b"),  # keys: complaint.route
    re.compile(r"\S*\*{3,}\S*"),  # a password hash's masked salt and digest (fbca******)
]
# Not "alt": Django's admin icons carry English alt texts in its own templates
# (alt="True", alt="Search"), which no catalog translates.
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label"}


class _Text(HTMLParser):
    """The texts of a page a person reads."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "textarea", "svg"):
            self._skip += 1
        attributes = dict(attrs)
        self.texts += [v for k, v in attributes.items() if k in VISIBLE_ATTRIBUTES and v]
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea", "svg") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


def english_words(html: str, typed: list[str]) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = "\n".join(parser.texts)
    for value in typed:  # longest first, so "clerk_jr" goes before "clerk"
        text = text.replace(value, " ")
    for pattern in NOT_WORDS:
        text = pattern.sub(" ", text)
    return {w for w in WORD.findall(text) if len(w) >= 3 and w not in ALLOWED}


# --- the pages -------------------------------------------------------------------------------

DESK_PAGES = [
    "home",
    "inbox",
    "complaints:intake",
    "complaints:queue",
    "complaints:list",
    "complaints:detail",
    "complaints:print",
    "reports:overview",
    "repairs:mine",
    "repairs:board",
    "repairs:roster",
    "repairs:new",
    "repairs:detail",
    "repairs:print",
    "repairs:print_warranty",
    "callbacks:list",
    "callbacks:rates",
    "callbacks:record",
    "callbacks:letter",
    "callbacks:letter_print",
    "reports:monthly_list",
    "reports:monthly",
    "reports:monthly_print",
    "reports:monthly_company",
    "helpdesk:list",
    "helpdesk:new",
    "helpdesk:detail",
    "helpdesk:duty",
    "helpdesk:review",
]
ORDER_PAGES = {"repairs:detail", "repairs:print", "repairs:print_warranty"}
CALLBACK_PAGES = {"callbacks:record"}
LETTER_PAGES = {"callbacks:letter", "callbacks:letter_print"}
REPORT_PAGES = {"reports:monthly", "reports:monthly_print"}
ROLES = [r for r in ROLE_FIXTURES if r != "no_role"]  # everyone with a page to read


@pytest.fixture
def complaint(clerk, dept_head, supervisor, eng):
    """A complaint with something in each part of its page: routed, signed for,
    regraded (the log shows grades), an extension asked for."""
    c = make_complaint(clerk=clerk)
    services.complaint_route(actor=clerk, complaint_id=c.pk, department=eng)
    services.complaint_sign(actor=dept_head, complaint_id=c.pk)
    services.complaint_regrade(
        actor=supervisor, complaint_id=c.pk, grade="important", reason="住户多次反映"
    )
    return c


@pytest.fixture
def admin_rows(ch, complaint):
    """A row of every model of ours the admin lists without one from the desk."""
    unit = Unit.objects.create(estate=ch, building="1", entrance="1", room="101")
    Resident.objects.create(unit=unit, name="李四", phone="13900000000")
    CalendarDay.objects.create(company=ch.company, date="2026-10-01", kind="holiday", name="国庆")
    Heartbeat.objects.create(key="beat", beat_at=timezone.now())
    fields = {"username": "clerk", "ip_address": "10.0.0.1", "user_agent": "Mozilla/5.0"}
    fields |= {"http_accept": "*/*", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**fields, get_data="", post_data="", failures_since_start=2)
    AccessLog.objects.create(**fields)
    AccessFailureLog.objects.create(**fields, locked_out=False)


@pytest.fixture
def order(clerk, technician, dept_head, complaint):
    """A repair order with something in each part of its page: from the complaint,
    paid with fee lines agreed, sent to the warranty contractor, chased, on site."""
    from repairs import services as repairs

    o = repairs.repair_report(
        actor=clerk,
        estate=complaint.estate,
        description="厨房水龙头漏水",
        urgency="urgent",
        fault="water",
        location="3号楼电梯厅",
        complaint=complaint,
    )
    repairs.repair_dispatch(actor=clerk, order_id=o.pk, technician=technician)
    repairs.repair_chase(actor=clerk, order_id=o.pk, note="住户来电催")
    repairs.repair_take(actor=technician, order_id=o.pk)
    repairs.repair_arrive(actor=technician, order_id=o.pk)
    repairs.repair_set_fees(
        actor=technician,
        order_id=o.pk,
        lines=[repairs.Line(kind="material", item="阀芯", unit_price="12.5", quantity="2")],
    )
    repairs.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="张三")
    repairs.repair_send_warranty(actor=dept_head, order_id=o.pk, contractor="某某维保公司")
    return o


@pytest.fixture
def callbacks(clerk, dept_head):
    """Three closed complaints: one called back unsatisfied (reopened), two answered by a
    public letter; returns (the first callback, the letter)."""
    from callbacks import services as callbacks
    from callbacks.models import Callback
    from tests.factories.complaints import advance

    for _ in range(3):
        advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    first, *rest = Callback.objects.order_by("pk")
    callbacks.callback_record(
        actor=clerk,
        callback_id=first.pk,
        method="phone",
        reached=True,
        satisfaction="not_satisfied",
        words="还是漏水",
    )
    letter = callbacks.letter_write(
        actor=clerk,
        estate_id=first.estate_id,
        title="关于漏水的说明",
        body="各位住户：……",
        callback_ids=[cb.pk for cb in rest],
    )
    return first, letter


@pytest.fixture
def help_request(clerk, duty_officer, supervisor):
    """An emergency handled: alerted, a supervisor asked, an action recorded; and the
    duty on, with a note and a handover waiting for the supervisor."""
    from helpdesk import services

    r = services.request_receive(
        actor=clerk,
        estate=clerk.staff_profile.estate,
        kind="security",
        incident="theft",
        channel="phone",
        question="车库电动车被盗",
        location="地下车库",
        confidential=True,
    )
    services.request_act(actor=clerk, request_id=r.pk, note="保安已到场", who_went="李四")
    shift = services.shift_open(actor=clerk, estate=clerk.staff_profile.estate)
    services.duty_note(actor=clerk, shift_id=shift.pk, text="巡查正常")
    services.handover_write(actor=clerk, shift_id=shift.pk, to=supervisor, watch="车库")
    return r


@pytest.fixture
def monthly_report(complaint, order, callbacks):
    """This month's report of the estate, built with something in every section."""
    from django.utils import timezone

    from reports import services as reports

    month = timezone.localdate().replace(day=1)
    return reports.report_build(estate_id=complaint.estate_id, month=month)


def _desk_urls(
    complaint, order=None, callbacks=None, report=None, help_request=None
) -> dict[str, str]:
    urls = {}
    for name in DESK_PAGES:
        args = [complaint.pk] if name in ("complaints:detail", "complaints:print") else []
        if name in ORDER_PAGES:
            if order is None:
                continue
            args = [order.pk]
        if name in CALLBACK_PAGES | LETTER_PAGES:
            if callbacks is None:
                continue
            args = [callbacks[0].pk if name in CALLBACK_PAGES else callbacks[1].pk]
        if name in REPORT_PAGES:
            if report is None:
                continue
            args = [report.pk]
        if name == "helpdesk:detail":
            if help_request is None:
                continue
            args = [help_request.pk]
        if name == "reports:monthly_company":
            if report is None:
                continue
            args = [report.month.year, report.month.month]
        try:
            urls[name] = reverse(name, args=args)
        except NoReverseMatch:  # a page not built yet
            continue
    return urls


def _admin_urls() -> dict[str, str]:
    urls = {"admin index": reverse("admin:index")}
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls[f"{info} list"] = reverse(f"{info}_changelist")
        urls[f"{info} add"] = reverse(f"{info}_add")  # 403 where nobody adds rows
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            urls[f"{info} change"] = reverse(f"{info}_change", args=[row.pk])
    return urls


def _typed() -> list[str]:
    """What users and machines entered that may be in Latin letters: usernames, the
    browsers' user agents of the lockout records, the background processes' names."""
    values = [
        *get_user_model().objects.values_list("username", flat=True),
        *AccessAttempt.objects.values_list("user_agent", flat=True),
        *AccessLog.objects.values_list("user_agent", flat=True),  # "<unknown>" (test client)
        *Heartbeat.objects.values_list("key", flat=True),
    ]
    return sorted(set(values), key=len, reverse=True)


@pytest.mark.parametrize("role", ROLES)
def test_no_english_on_chinese_pages(
    client, user_of, role, complaint, order, callbacks, monthly_report, admin_rows, help_request
):
    client.force_login(user_of(role))
    client.cookies.load({"django_language": "zh-hans"})
    urls = _desk_urls(complaint, order, callbacks, monthly_report, help_request)
    if role == "manager":
        urls |= _admin_urls()
    typed = _typed()
    found: dict[str, list[str]] = {}
    opened = 0
    for page, url in urls.items():
        response = client.get(url, follow=True)
        if response.status_code == 403:  # not this role's page
            continue
        assert response.status_code == 200, f"{page} {url}: {response.status_code}"
        opened += 1
        words = english_words(response.content.decode(), typed)
        if words:
            found[f"{page} ({url})"] = sorted(words)
    assert opened >= 3
    report = "\n".join(f"  {page}: {', '.join(words)}" for page, words in sorted(found.items()))
    assert not found, f"English words on Chinese pages of {role}:\n{report}"


# --- the checker itself ----------------------------------------------------------------------


def test_checker_finds_english_and_skips_what_is_not_a_word():
    html = """<html><head><title>投诉 Queue</title><style>.a{color:red}</style></head>
    <body><script>var x = "hidden";</script>
    <p>编号 TS-202611-0001 · 王小丽 (clerk_jr) · 管理处 CH</p>
    <a href="/complaints/">投诉</a> <input type="submit" value="Save">
    <input name="q" placeholder="Search"> <textarea>漏水 leak</textarea>
    <p>从 chinese-calendar 载入 · https://example.com/x · ok</p></body></html>"""
    assert english_words(html, typed=["clerk_jr"]) == {"Queue", "Save", "Search"}
