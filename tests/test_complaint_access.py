"""Who may open and act on which complaint: estates, departments, roles.

tests/test_access_matrix.py decides which roles get each *page*; this file checks the
*rows*: a complaint of estate ``ch`` routed to the engineering department is invisible
(404, not 403: its existence is not disclosed) to the staff of another estate and to the
head of another department, and nothing they POST changes it. Lists, search and the
department queue show exactly the complaints their user could open.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import selectors, services
from complaints.models import Category, Complaint, Extension, Status
from complaints.views import ACTIONS
from staff.models import Department
from staff.roles import Role
from tests.factories.complaints import advance, department, make_complaint
from tests.factories.staff import UnitFactory, make_staff

# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def clean_head(ch):
    """Head of the cleaning department of the same estate as ``dept_head``."""
    return make_staff("clean_head", Role.DEPARTMENT_HEAD, ch, Department.Kind.CLEANING)


@pytest.fixture
def routed(clerk, dept_head):
    """A ch complaint routed to the engineering department (``dept_head``)."""
    return advance(make_complaint(clerk=clerk), to="routed", clerk=clerk, head=dept_head)


@pytest.fixture
def extension(routed, dept_head):
    """A pending extension request on ``routed`` (to be approved by the office director)."""
    return services.extension_request(
        actor=dept_head,
        complaint_id=routed.pk,
        reason="需要订购配件",
        interim_measure="已临时封堵",
        new_deadline=routed.resolve_due + dt.timedelta(days=5),
    )


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _payload(action: str | None, complaint: Complaint) -> dict[str, Any]:
    """A POST body that the action's form accepts, so only scoping can stop it."""
    other_department = department(complaint.estate, Department.Kind.SECURITY)
    later = _local(timezone.now() + dt.timedelta(days=20))
    payloads: dict[str, dict[str, Any]] = {
        "route": {"department": other_department.pk},
        "on_the_spot": {"note": "当场解决"},
        "out_of_scope": {"note": "不属于物业职责"},
        "sign": {},
        "handle": {"note": "已更换水管"},
        "extend": {"reason": "等配件", "interim_measure": "临时封堵", "new_deadline": later},
        "inform": {"method": "phone", "note": "住户满意"},
        "close": {},
        "reopen": {"reason": "住户不满意"},
        "regrade": {"grade": "major", "reason": "影响多户"},
        "escalate": {"note": "上报"},
        "note": {"note": "备注"},
    }
    return payloads[action or ""]


def _state(complaint: Complaint) -> dict:
    """Everything a refused request must leave as it was."""
    c = Complaint.objects.get(pk=complaint.pk)
    return {
        "status": c.status,
        "department": c.department_id,
        "grade": c.grade,
        "escalated_at": c.escalated_at,
        "closed_at": c.closed_at,
        "events": c.events.count(),
        "extensions": sorted(c.extensions.values_list("pk", "decision")),
    }


ENDPOINTS = [
    ("complaints:detail", None),
    ("complaints:print", None),
    *[("complaints:act", name) for name in ACTIONS],
    ("complaints:decide_extension", None),
]
ENDPOINT_IDS = [name if action is None else f"act-{action}" for name, action in ENDPOINTS]


def _request(client, url_name: str, action: str | None, complaint: Complaint, ext: Extension):
    if url_name in ("complaints:detail", "complaints:print"):
        return client.get(reverse(url_name, args=[complaint.pk]))
    if url_name == "complaints:decide_extension":
        url = reverse(url_name, args=[ext.pk])
        return client.post(url, {"decision": "approve", "note": "同意"})
    url = reverse(url_name, args=[complaint.pk, action])
    return client.post(url, _payload(action, complaint))


# --- one complaint: 404 outside the estate or the department -------------------------------


def test_every_action_of_the_detail_page_is_in_this_matrix():
    assert {action for _, action in ENDPOINTS if action} == set(ACTIONS)


@pytest.mark.parametrize(("url_name", "action"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_staff_of_another_estate_get_404_and_nothing_changes(
    client, other_clerk, routed, extension, url_name, action
):
    before = _state(routed)
    client.force_login(other_clerk)
    response = _request(client, url_name, action, routed, extension)
    assert response.status_code == 404
    assert _state(routed) == before


@pytest.mark.parametrize(("url_name", "action"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_head_of_another_department_of_the_same_estate_gets_404_and_nothing_changes(
    client, clean_head, routed, extension, url_name, action
):
    before = _state(routed)
    client.force_login(clean_head)
    response = _request(client, url_name, action, routed, extension)
    assert response.status_code == 404
    assert _state(routed) == before


@pytest.mark.parametrize("user", ["clerk", "dept_head", "supervisor", "director", "gm"])
@pytest.mark.parametrize("url_name", ["complaints:detail", "complaints:print"])
def test_staff_of_the_estate_and_the_responsible_department_open_the_complaint(
    client, user_of, routed, user, url_name
):
    client.force_login(user_of(user))
    response = client.get(reverse(url_name, args=[routed.pk]))
    assert response.status_code == 200
    assert routed.number in response.content.decode()


# --- one complaint: 403 for the wrong role ---------------------------------------------------


@pytest.mark.parametrize(
    ("action", "at_status", "data"),
    [("sign", "routed", {}), ("handle", "signed", {"note": "已更换水管"})],
)
def test_clerk_posting_a_department_action_gets_403_and_nothing_changes(
    client, clerk, dept_head, action, at_status, data
):
    complaint = advance(make_complaint(clerk=clerk), to=at_status, clerk=clerk, head=dept_head)
    before = _state(complaint)
    client.force_login(clerk)
    response = client.post(reverse("complaints:act", args=[complaint.pk, action]), data)
    assert response.status_code == 403
    assert _state(complaint) == before
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_department_head_may_sign_what_the_clerk_may_not(client, dept_head, routed):
    """The positive control of the test above: the same POST by the right person works."""
    client.force_login(dept_head)
    response = client.post(reverse("complaints:act", args=[routed.pk, "sign"]))
    assert response.status_code == 302
    routed.refresh_from_db()
    assert routed.status == Status.SIGNED


# --- extensions ------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["clerk", "dept_head"])
def test_clerk_or_the_requesting_head_cannot_approve_an_extension(
    client, user_of, routed, extension, user
):
    before = _state(routed)
    client.force_login(user_of(user))
    response = client.post(
        reverse("complaints:decide_extension", args=[extension.pk]),
        {"decision": "approve", "note": "同意"},
    )
    assert response.status_code == 403
    extension.refresh_from_db()
    assert extension.decision == Extension.Decision.PENDING
    assert extension.decided_by is None
    assert _state(routed) == before


def test_office_director_approves_the_extension_of_a_minor_complaint(
    client, director, routed, extension
):
    client.force_login(director)
    response = client.post(
        reverse("complaints:decide_extension", args=[extension.pk]),
        {"decision": "approve", "note": "同意"},
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    routed.refresh_from_db()
    assert extension.decision == Extension.Decision.APPROVED
    assert routed.resolve_due == extension.new_deadline


# --- lists, search and the queue ---------------------------------------------------------------

ROW_LINK = re.compile(r'<a href="/complaints/(\d+)/">(TS-\d{6}-\d{4})</a>')


def _rows(response) -> set[tuple[int, str]]:
    """(pk, number) of every row of the complaint table on a list or queue page."""
    assert response.status_code == 200
    body = response.content.decode()
    table = body.split('data-testid="complaint-table"', 1)[1].split("</table>", 1)[0]
    return {(int(pk), number) for pk, number in ROW_LINK.findall(table)}


def _expected(user, complaints) -> set[tuple[int, str]]:
    scope = set(selectors.complaints_for(user).values_list("pk", flat=True))
    return {(c.pk, c.number) for c in complaints if c.pk in scope}


@pytest.fixture
def two_estates(ch, jr, clerk, other_clerk, dept_head, clean_head):
    """The same story in both estates, so that search terms match rows of each.

    Numbers restart per estate: ``ch_leak`` and ``jr_leak`` are both TS-…-0001.
    """
    cleaning = clean_head.staff_profile.department
    jr_head = make_staff("jr_eng_head", Role.DEPARTMENT_HEAD, jr, Department.Kind.ENGINEERING)
    ch_unit = UnitFactory(estate=ch, building="3", entrance="2", room="1502")
    jr_unit = UnitFactory(estate=jr, building="A", entrance="", room="1502")

    def leak(by, unit, **kw):
        return make_complaint(clerk=by, unit=unit, description="楼上漏水，天花板滴水", **kw)

    made = {
        "ch_leak": leak(clerk, ch_unit),
        "jr_leak": leak(other_clerk, jr_unit),
        "ch_rubbish": make_complaint(
            clerk=clerk,
            category=Category.CLEANING,
            description="垃圾桶满了没人清",
            resident_name="李四",
            resident_phone="13900000001",
        ),
        "ch_closed_leak": leak(clerk, ch_unit, location="地下车库"),
        "ch_unrouted_leak": leak(clerk, None, location="3号楼大堂"),
    }
    advance(made["ch_leak"], to="signed", clerk=clerk, head=dept_head)
    advance(made["jr_leak"], to="routed", clerk=other_clerk, head=jr_head)
    services.complaint_route(actor=clerk, complaint_id=made["ch_rubbish"].pk, department=cleaning)
    advance(made["ch_closed_leak"], to="closed", clerk=clerk, head=dept_head)
    for c in made.values():
        c.refresh_from_db()
    assert made["ch_leak"].number == made["jr_leak"].number
    return made


# Who may open which complaint of ``two_estates``, written out by hand.
VISIBLE = {
    "clerk": {"ch_leak", "ch_rubbish", "ch_closed_leak", "ch_unrouted_leak"},
    "other_clerk": {"jr_leak"},
    "dept_head": {"ch_leak", "ch_closed_leak"},
    "clean_head": {"ch_rubbish"},
    "gm": {"ch_leak", "jr_leak", "ch_rubbish", "ch_closed_leak", "ch_unrouted_leak"},
}

SEARCHES = {
    "no filter": "",
    "words": "漏水",
    "name": "张三",
    "phone": "13812345678",
    "room": "1502",
    "number": "TS-NUMBER-OF-CH_LEAK",
}


@pytest.mark.parametrize("user", ["clerk", "other_clerk", "dept_head", "clean_head", "gm"])
@pytest.mark.parametrize("query", list(SEARCHES), ids=list(SEARCHES))
def test_list_and_search_show_exactly_the_complaints_the_user_could_open(
    client, user_of, two_estates, user, query
):
    person = user_of(user)
    term = SEARCHES[query].replace("TS-NUMBER-OF-CH_LEAK", two_estates["ch_leak"].number)
    # What the search term matches in the whole database, whoever may see it.
    matching = {
        "": set(two_estates),
        "漏水": {"ch_leak", "jr_leak", "ch_closed_leak", "ch_unrouted_leak"},
        "张三": {"ch_leak", "jr_leak", "ch_closed_leak", "ch_unrouted_leak"},
        "13812345678": {"ch_leak", "jr_leak", "ch_closed_leak", "ch_unrouted_leak"},
        "1502": {"ch_leak", "jr_leak", "ch_closed_leak"},
    }.get(term, {"ch_leak", "jr_leak"})
    client.force_login(person)

    listed = _rows(client.get(reverse("complaints:list"), {"q": term} if term else {}))

    assert listed == _expected(person, [two_estates[k] for k in matching])
    assert listed == {(two_estates[k].pk, two_estates[k].number) for k in matching & VISIBLE[user]}
    for pk, _number in listed:
        assert client.get(reverse("complaints:detail", args=[pk])).status_code == 200


@pytest.mark.parametrize("user", ["clerk", "other_clerk", "dept_head", "clean_head", "gm"])
def test_complaints_for_is_exactly_what_the_user_can_open(client, user_of, two_estates, user):
    person = user_of(user)
    client.force_login(person)
    openable = {
        c.pk
        for c in two_estates.values()
        if client.get(reverse("complaints:detail", args=[c.pk])).status_code == 200
    }
    refused = {
        c.pk
        for c in two_estates.values()
        if client.get(reverse("complaints:detail", args=[c.pk])).status_code == 404
    }
    assert openable | refused == {c.pk for c in two_estates.values()}
    assert openable == {two_estates[k].pk for k in VISIBLE[user]}
    assert openable == set(selectors.complaints_for(person).values_list("pk", flat=True))


def test_gm_sees_complaints_of_both_estates_in_the_list(client, gm, ch, jr, two_estates):
    client.force_login(gm)
    listed = _rows(client.get(reverse("complaints:list")))
    assert listed == {(c.pk, c.number) for c in two_estates.values()}
    estates = set(
        Complaint.objects.filter(pk__in=[pk for pk, _ in listed]).values_list(
            "estate__code", flat=True
        )
    )
    assert estates == {"CH", "JR"}


def test_the_estate_filter_is_offered_to_who_sees_several_estates(client, gm, clerk, jr):
    for person, offered in ((gm, True), (clerk, False)):
        client.force_login(person)
        body = client.get(reverse("complaints:list")).content.decode()
        assert ('name="estate"' in body) is offered


def test_clerk_list_shows_only_the_clerks_estate(client, clerk, two_estates):
    client.force_login(clerk)
    with CaptureQueriesContext(connection) as queries:
        listed = _rows(client.get(reverse("complaints:list")))
    assert {pk for pk, _ in listed} == {c.pk for k, c in two_estates.items() if k.startswith("ch_")}
    # One estate: nothing is counted to know whether to name the estate of each row.
    count = 'COUNT(*) AS "__count" FROM "staff_estate"'
    assert [q for q in queries.captured_queries if count in q["sql"]] == []


@pytest.mark.parametrize("user", ["dept_head", "clean_head"])
def test_department_queue_shows_the_departments_open_complaints_only(
    client, user_of, two_estates, user
):
    person = user_of(user)
    client.force_login(person)
    queued = _rows(client.get(reverse("complaints:queue")))
    openable_and_open = {
        (c.pk, c.number) for c in selectors.complaints_for(person).exclude(status=Status.CLOSED)
    }
    assert queued == openable_and_open
    assert queued, "the queue of a department with routed complaints is not empty"
    for pk, _number in queued:
        assert client.get(reverse("complaints:detail", args=[pk])).status_code == 200
    closed = two_estates["ch_closed_leak"]
    assert (closed.pk, closed.number) not in queued


# --- constant number of queries ----------------------------------------------------------------


def _fill(n: int, *, clerk, head, ch, start: int = 0) -> None:
    """``n`` complaints routed to the head's department, each with its own unit; every
    other one a repeat of the previous (so the repeat badge is rendered too)."""
    previous = None
    for i in range(start, start + n):
        unit = UnitFactory(estate=ch, building=str(i % 5 + 1), entrance="1", room=f"{900 + i}")
        c = make_complaint(
            clerk=clerk,
            unit=unit,
            description=f"第{i}号投诉：楼道灯不亮",
            repeat_of=previous if i % 2 else None,
        )
        advance(c, to="routed", clerk=clerk, head=head)
        previous = c


def _count(client, url: str) -> tuple[int, int]:
    client.get(url)  # warm-up: nothing one-off in the measured request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), len(_rows(response))


@pytest.mark.parametrize(
    ("user", "url_name"),
    [
        ("clerk", "complaints:list"),
        ("supervisor", "complaints:list"),
        ("gm", "complaints:list"),
        ("dept_head", "complaints:queue"),
    ],
)
def test_list_and_queue_run_a_constant_number_of_queries(
    client, user_of, ch, clerk, dept_head, director, user, url_name
):
    person = user_of(user)
    client.force_login(person)
    url = reverse(url_name)

    _fill(5, clerk=clerk, head=dept_head, ch=ch)
    # A pending extension, so the supervisor's list renders its panel in both rounds.
    first = Complaint.objects.order_by("pk").first()
    services.extension_request(
        actor=dept_head,
        complaint_id=first.pk,
        reason="等配件",
        interim_measure="临时照明",
        new_deadline=first.resolve_due + dt.timedelta(days=3),
    )
    few, rows_few = _count(client, url)

    _fill(25, clerk=clerk, head=dept_head, ch=ch, start=5)
    many, rows_many = _count(client, url)

    assert (rows_few, rows_many) == (5, 30)
    assert many == few, f"{few} queries for 5 rows, {many} for 30"
    assert few < 25, f"{few} queries for one page is too many"


def test_each_kind_of_scope_reads_through_its_compiled_query_as_through_the_orm(
    client, user_of, two_estates, ch, no_role, django_user_model
):
    """get_complaint_for_user and the queue's first page run a statement compiled once
    for each kind of scope (staff.prepared): for every kind they give what the scoping
    queryset gives."""
    no_department = make_staff("head_without_dept", Role.DEPARTMENT_HEAD, ch)
    root = django_user_model.objects.create_superuser("root_scope", password="x" * 12)
    people = [user_of(u) for u in VISIBLE] + [no_department, no_role, root]
    kinds = set()
    for person in people:
        scope = selectors.scope_of(person)
        kinds.add(scope.kind)
        scoping = selectors.complaints_for(person)
        for c in two_estates.values():
            try:
                got = selectors.get_complaint_for_user(person, c.pk).pk
            except Http404:
                got = None
            assert got == scoping.filter(pk=c.pk).values_list("pk", flat=True).first()
        queue = selectors.queue_page(person, offset=0, limit=2)
        expected = (
            selectors.page_rows(selectors.queue_for(person), offset=0, limit=2, windowed=False)
            if scope.kind != selectors.NONE
            else []
        )
        assert [c.pk for c in queue] == [c.pk for c in expected]
        assert [c.pending_approvers for c in queue] == [c.pending_approvers for c in expected]
    assert kinds == {"all", "none", "estate", "unrouted", "department"}


def test_an_id_beyond_a_bigint_is_not_found(client, clerk):
    client.force_login(clerk)
    assert client.get(f"/complaints/{2**63}/").status_code == 404
    assert client.get(f"/complaints/{2**70}/").status_code == 404


LIST_FILTERS = [
    {},
    {"grade": "minor", "category": "engineering"},
    {"status": "signed", "channel": "phone"},
    {"open_only": True, "overdue": True},
    {"repeat": True, "escalated": True, "unrouted": True},
    {"scope": "in"},
    {"extension": "asked"},
    {"callback": "callback_pending"},
    {"received_from": "TODAY", "received_to": "TODAY", "open_only": True},
    {"department": "DEPT", "estate": "CH"},
]


@pytest.mark.parametrize("filters", LIST_FILTERS)
def test_the_list_page_reads_as_the_scoped_queryset_for_every_filter(
    user_of, two_estates, ch, dept_head, filters
):
    """Without a search term, a list page runs a statement compiled once for each scope,
    set of filters and page (staff.prepared): the same rows as the queryset gives."""
    given = {
        k: {
            "TODAY": timezone.localdate(),
            "DEPT": dept_head.staff_profile.department,
            "CH": ch,
        }.get(v, v)
        for k, v in filters.items()
    }
    for user in ("clerk", "other_clerk", "dept_head", "gm"):
        person = user_of(user)
        for offset, limit in ((0, 50), (0, 2), (2, 2)):
            ours = selectors.list_page(person, filters=given, offset=offset, limit=limit)
            theirs = selectors.page_rows(
                selectors.complaint_list(person, filters=given),
                offset=offset,
                limit=limit,
                windowed=False,
            )
            assert [c.pk for c in ours] == [c.pk for c in theirs]
            assert [c.pending_approvers for c in ours] == [c.pending_approvers for c in theirs]


def test_the_department_filter_offers_the_departments_of_the_users_estates(
    client, user_of, two_estates, ch, jr, dept_head
):
    from staff.models import Department

    for user, estates in (("clerk", {ch.pk}), ("other_clerk", {jr.pk}), ("gm", {ch.pk, jr.pk})):
        person = user_of(user)
        offered = dict(selectors.department_choices(person))
        expected = Department.objects.filter(estate__in=estates).select_related("estate")
        assert offered == {d.pk: str(d) for d in expected}
    client.force_login(user_of("clerk"))
    mine = dept_head.staff_profile.department
    listed = _rows(client.get(reverse("complaints:list"), {"department": mine.pk}))
    assert (
        listed
        == {(c.pk, c.number) for c in two_estates.values() if c.department_id == mine.pk}
        != set()
    )
    # Another estate's department is not a choice: the filter is ignored, not a 500.
    theirs = Department.objects.filter(estate=jr).first()
    response = client.get(reverse("complaints:list"), {"department": theirs.pk})
    assert response.status_code == 200
    assert _rows(response) == {(c.pk, c.number) for k, c in two_estates.items() if k[:3] == "ch_"}
