"""The repair order's pages as their users use them: the technician's list and one-tap
steps, the order page's actions (fees, photos, the drawn signature, close), the printed
《维修服务通知单》, and who may open what."""

import base64
import io

from django.conf import settings
from django.urls import reverse
from PIL import Image, ImageDraw

from repairs import services
from repairs.models import EventKind, Photo, RepairOrder, Status
from staff.models import Department
from staff.roles import Role
from tests.factories.repairs import advance, make_order
from tests.factories.staff import make_staff


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def png_signature() -> str:
    img = Image.new("RGB", (600, 240), "white")
    ImageDraw.Draw(img).line([(40, 200), (300, 40), (560, 180)], fill="black", width=6)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def jpeg(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "gray").save(out, "JPEG")
    return out.getvalue()


def act(client, o, action, data=None, **extra):
    return client.post(reverse("repairs:act", args=[o.pk, action]), data or {}, **extra)


def test_the_technician_walks_an_order_through_on_his_page(client, clerk, technician):
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk, technician=technician)
    c = english(client, technician)
    page = c.get(reverse("repairs:mine")).content.decode()
    assert o.number in page and "quick-take" in page
    assert act(c, o, "take").status_code == 302
    page = c.get(reverse("repairs:mine")).content.decode()
    assert "quick-arrive" in page
    act(c, o, "arrive")
    r = act(c, o, "finish", {"work_done": "更换阀芯", "parts": "阀芯 1 个"})
    assert r.status_code == 302
    r = act(c, o, "sign", {"signature": png_signature()})
    assert r.status_code == 302, r.content.decode()[:2000]
    o.refresh_from_db()
    assert o.status == Status.SIGNED and o.signed_on_screen and o.parts == "阀芯 1 个"
    img = c.get(reverse("repairs:signature", args=[o.pk]))
    assert img["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(img.content)).size == (600, 240)
    printed = c.get(reverse("repairs:print", args=[o.pk])).content.decode()
    assert reverse("repairs:signature", args=[o.pk]) in printed and "维修服务通知单" in printed


def test_paid_work_the_resident_agrees_before_the_work_and_the_desk_closes_with_the_receipt(
    client, clerk, technician
):
    o = advance(make_order(clerk=clerk), to=Status.ARRIVED, clerk=clerk, technician=technician)
    c = english(client, technician)
    form = {
        "fee-TOTAL_FORMS": "3",
        "fee-INITIAL_FORMS": "0",
        "fee-0-kind": "labour",
        "fee-0-item": "人工",
        "fee-0-unit_price": "30",
        "fee-0-quantity": "1",
        "fee-1-kind": "material",
        "fee-1-item": "阀芯",
        "fee-1-unit_price": "12.5",
        "fee-1-quantity": "2",
    }
    assert act(c, o, "fees", form).status_code == 302
    o.refresh_from_db()
    assert str(o.fee_total) == "55.00" and o.kind == "paid"
    refused = act(c, o, "finish", {"work_done": "更换阀芯"})
    assert refused.status_code == 409
    assert "confirm the fee" in refused.content.decode()
    act(c, o, "confirm_fee", {"resident_name": "张三"})
    assert act(c, o, "finish", {"work_done": "更换阀芯"}).status_code == 302
    act(c, o, "sign", {"signed_name": "张三"})
    desk = english(client, clerk)
    page = desk.get(reverse("repairs:detail", args=[o.pk])).content.decode()
    assert 'name="receipt_number"' in page and "55.00" in page
    r = act(desk, o, "close", {"receipt_number": ""})
    assert r.status_code == 409 and "receipt number" in r.content.decode()
    assert act(desk, o, "close", {"receipt_number": "SJ-0001"}).status_code == 302
    o.refresh_from_db()
    assert o.status == Status.CLOSED and o.receipt_number == "SJ-0001"


def test_a_negative_fee_is_refused_and_nothing_is_saved(client, clerk, technician):
    o = advance(make_order(clerk=clerk), to=Status.ARRIVED, clerk=clerk, technician=technician)
    c = english(client, technician)
    form = {
        "fee-TOTAL_FORMS": "1",
        "fee-INITIAL_FORMS": "0",
        "fee-0-kind": "material",
        "fee-0-item": "阀芯",
        "fee-0-unit_price": "-5",
        "fee-0-quantity": "1",
    }
    r = act(c, o, "fees", form)
    assert r.status_code == 409 and "cannot be negative" in r.content.decode()
    # What was typed comes back.
    assert 'value="-5"' in r.content.decode()
    o.refresh_from_db()
    assert o.fee_lines.count() == 0 and o.kind == "free"


def test_photos_a_real_one_is_kept_a_text_file_is_refused(client, clerk, technician):
    o = advance(make_order(clerk=clerk), to=Status.ARRIVED, clerk=clerk, technician=technician)
    c = english(client, technician)
    bad = io.BytesIO(b"not a picture at all")
    bad.name = "x.jpg"
    r = act(c, o, "photo", {"stage": "before", "image": bad})
    assert r.status_code == 409 and "not a photo" in r.content.decode()
    assert not Photo.objects.exists()
    good = io.BytesIO(jpeg((3000, 2000)))
    good.name = "before.jpg"
    assert act(c, o, "photo", {"stage": "before", "image": good}).status_code == 302
    p = Photo.objects.get()
    assert (p.width, p.height) == (1600, 1067)
    served = c.get(reverse("repairs:photo", args=[o.pk, p.pk]))
    assert served["Content-Type"] == "image/jpeg"
    assert "before" in c.get(reverse("repairs:detail", args=[o.pk])).content.decode()


def test_closing_without_a_signature_is_refused(client, clerk, technician):
    o = advance(make_order(clerk=clerk), to=Status.FINISHED, clerk=clerk, technician=technician)
    c = english(client, technician)
    r = act(c, o, "sign", {})
    assert r.status_code == 409 and "reason there is no signature" in r.content.decode()
    o.refresh_from_db()
    assert o.status == Status.FINISHED
    desk = english(client, clerk)
    assert "action-close" not in desk.get(reverse("repairs:detail", args=[o.pk])).content.decode()
    assert act(desk, o, "close").status_code == 409


def test_another_estates_order_and_a_colleagues_order_are_404(client, clerk, technician, tech2, jr):
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk, technician=tech2)
    c = english(client, technician)
    for url in (
        reverse("repairs:detail", args=[o.pk]),
        reverse("repairs:print", args=[o.pk]),
        reverse("repairs:signature", args=[o.pk]),
    ):
        assert c.get(url).status_code == 404
    assert act(c, o, "take").status_code == 404
    other = make_staff("clerk_jr", Role.CLERK, jr, Department.Kind.CUSTOMER_SERVICE)
    c = english(client, other)
    assert c.get(reverse("repairs:detail", args=[o.pk])).status_code == 404
    assert act(c, o, "chase").status_code == 404


def test_the_page_offers_only_what_the_user_may_do(client, clerk, technician, tech2):
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk, technician=technician)
    tech_page = english(client, technician).get(reverse("repairs:detail", args=[o.pk]))
    offered = tech_page.content.decode()
    assert "action-take" in offered and "action-hand_back" in offered
    assert "action-chase" not in offered and "action-dispatch" not in offered
    desk_page = english(client, clerk).get(reverse("repairs:detail", args=[o.pk])).content.decode()
    assert "action-chase" in desk_page and "action-transfer" in desk_page
    assert "action-take" not in desk_page
    # An action the user may not do is refused even when posted by hand.
    r = act(english(client, technician), o, "chase")
    assert r.status_code == 403
    assert not o.events.filter(kind=EventKind.CHASED).exists()


def test_transfer_hand_back_and_take_from_the_page(client, clerk, technician, tech2):
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk, technician=technician)
    c = english(client, technician)
    assert act(c, o, "transfer", {"technician": tech2.pk, "reason": "不在现场"}).status_code == 302
    o.refresh_from_db()
    assert o.technician == tech2
    c2 = english(client, tech2)
    assert act(c2, o, "hand_back", {"reason": "缺工具"}).status_code == 302
    o.refresh_from_db()
    assert o.technician is None and o.published
    assert o.number in english(client, technician).get(reverse("repairs:mine")).content.decode()


def test_the_technicians_page_has_a_constant_number_of_queries(
    client, clerk, technician, django_assert_max_num_queries
):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("repairs:mine")).status_code == 200
        return len(ctx.captured_queries)

    english(client, technician)
    for _ in range(2):
        o = make_order(clerk=clerk)
        services.repair_dispatch(actor=clerk, order_id=o.pk, technician=technician)
    few = count()
    for _ in range(10):
        o = make_order(clerk=clerk)
        services.repair_dispatch(actor=clerk, order_id=o.pk, technician=technician)
        make_order(clerk=clerk)
        services.repair_dispatch(actor=clerk, order_id=RepairOrder.objects.latest("pk").pk)
    assert count() == few


def test_the_order_page_has_a_constant_number_of_queries(client, clerk, technician):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    o = advance(make_order(clerk=clerk), to=Status.ARRIVED, clerk=clerk, technician=technician)
    c = english(client, clerk)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("repairs:detail", args=[o.pk])).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(5):
        services.repair_chase(actor=clerk, order_id=o.pk, note=f"第{n}次")
        make_order(clerk=clerk, unit=o.unit, fault="other")
    assert count() == few


def test_the_order_page_links_its_complaint_and_the_order_it_redoes(
    client, clerk, technician, dept_head
):
    from complaints.models import Complaint
    from tests.factories.complaints import make_complaint

    complaint: Complaint = make_complaint(clerk=clerk)
    first = advance(
        make_order(clerk=clerk, complaint=complaint),
        to=Status.CLOSED,
        clerk=clerk,
        technician=technician,
    )
    rework = services.repair_rework(actor=clerk, order_id=first.pk, reason="仍在漏水")
    c = english(client, clerk)
    page = c.get(reverse("repairs:detail", args=[rework.pk])).content.decode()
    link = (
        f'href="{reverse("complaints:detail", args=[complaint.pk])}" data-testid="complaint-link"'
    )
    assert f"{link}>{complaint.number}</a>" in page
    assert f'href="{reverse("repairs:detail", args=[first.pk])}">{first.number}</a>' in page
    assert "Rework of" in page
    plain = c.get(reverse("repairs:detail", args=[make_order(clerk=clerk).pk])).content.decode()
    assert 'data-testid="complaint-link"' not in plain and "Rework of" not in plain


def test_the_technicians_cards_show_each_order_escaped_with_its_one_tap(client, clerk, technician):
    """repairs.rows writes the cards: the place escaped, the emergency marked, the
    appointment, and the one form each card needs (take, arrived, none on site)."""
    import datetime as dt

    from django.utils import timezone

    from repairs.models import Urgency

    mine = make_order(clerk=clerk, location="<b>3号楼</b>大堂", urgency=Urgency.EMERGENCY)
    services.repair_dispatch(actor=clerk, order_id=mine.pk, technician=technician)
    taken = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=taken.pk, technician=technician)
    services.repair_take(actor=technician, order_id=taken.pk)
    on_site = advance(
        make_order(clerk=clerk), to=Status.ARRIVED, clerk=clerk, technician=technician
    )
    at = timezone.now() + dt.timedelta(days=1)
    open_ = make_order(clerk=clerk, urgency=Urgency.APPOINTMENT, appointment_at=at)
    services.repair_dispatch(actor=clerk, order_id=open_.pk, technician=None)

    page = english(client, technician).get(reverse("repairs:mine")).content.decode()

    def card(o):
        start = page.index(f'href="{reverse("repairs:detail", args=[o.pk])}"')
        return page[page.rindex("<li", 0, start) : page.index("</li>", start)]

    assert "&lt;b&gt;3号楼&lt;/b&gt;大堂" in card(mine) and "<b>3号楼" not in page
    assert "is-emergency" in card(mine) and "is-emergency" not in card(taken)
    take = reverse("repairs:act", args=[mine.pk, "take"])
    assert f'action="{take}"' in card(mine) and 'data-testid="quick-take"' in card(mine)
    assert 'data-testid="quick-arrive"' in card(taken) and 'name="csrfmiddlewaretoken"' in card(
        taken
    )
    assert "<form" not in card(on_site)
    local = timezone.localtime(at)
    assert f"appointment {local:%m-%d %H:%M}" in card(open_)
    assert 'data-testid="quick-take"' in card(open_)
    assert page.index('data-testid="to-take"') < page.index(card(open_))


# The markup of a unit's earlier orders as the template wrote it before repairs.rows did.
UNIT_ORDERS_TEMPLATE = """{% load i18n staff_tags %}{% for r in unit_orders %}
  <li class="mb-1" data-repair="{{ r.pk }}">
    <a href="{% url 'repairs:detail' r.pk %}">{{ r.number }}</a>
    <span class="text-muted text-nowrap">{{ r.reported_at|date:"Y-m-d" }}</span>
    · {{ r.get_fault_display }} · <span class="{% if r.closed_at %}text-muted{% else %}fw-semibold{% endif %}">{{ r.get_status_display }}</span>
    {% if r.technician %}<span class="text-nowrap">· {{ r.technician|person }}</span>{% endif %}
    {% if r.root_cause_flag %}<span class="badge text-bg-warning">{% translate "Same fault again (查清原因)" %}</span>{% endif %}
    <div class="text-body-secondary">{{ r.description|truncatechars:60 }}</div>
  </li>
  {% empty %}
  <li class="text-muted">{% translate "No earlier repair orders." %}</li>
  {% endfor %}"""  # noqa: E501


def test_a_units_earlier_orders_are_written_as_the_template_wrote_them(clerk, technician):
    """On an order's page and beside the desk's form: number, day, fault, state,
    technician, the root-cause flag and the description cut at 60, every value escaped."""
    import re

    from django.template import engines
    from django.utils import translation

    from repairs.rows import unit_order_items
    from repairs.views.order import unit_orders

    o = make_order(clerk=clerk)
    done = advance(
        make_order(clerk=clerk, unit=o.unit, description="<script>x</script>" + "漏" * 80),
        to=Status.CLOSED,
        clerk=clerk,
        technician=technician,
    )
    RepairOrder.objects.filter(pk=done.pk).update(root_cause_flag=True)
    make_order(clerk=clerk, unit=o.unit, fault="power", description="跳闸")
    old = engines["django"].from_string(UNIT_ORDERS_TEMPLATE)

    def same(orders) -> tuple[str, str]:
        ours = str(unit_order_items(orders))
        theirs = old.render({"unit_orders": orders})
        return re.sub(r"\s+", " ", ours).replace("> <", "><").strip(), re.sub(
            r"\s+", " ", theirs
        ).replace("> <", "><").strip()

    for language in ("zh-hans", "en"):
        with translation.override(language):
            orders = list(unit_orders(o))
            assert len(orders) == 2
            ours, theirs = same(orders)
            assert ours == theirs
            assert "&lt;script&gt;" in ours and "<script>" not in ours
            assert technician.last_name in ours
            empty = same([])
            assert empty[0] == empty[1]


def test_the_technicians_lists_read_as_the_orm_reads_for_every_reach(clerk, technician, tech2, gm):
    """The technician's two lists run as statements compiled once for each shape of the
    reader's reach (staff.prepared): the same orders as the querysets give, a technician
    without a department included."""
    from repairs.selectors import reach_of
    from repairs.views.technician import _mine_open, _orders, _to_take

    taken = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=taken.pk, technician=technician)
    services.repair_take(actor=technician, order_id=taken.pk)
    published = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=published.pk)  # open to take
    tech2.staff_profile.department = None
    tech2.staff_profile.save(update_fields=["department"])
    shapes = set()
    for person in (technician, tech2, clerk, gm, technician):
        reach = reach_of(person)
        shapes.add((reach.kind, reach.department_id is None))
        ours = _orders(reach, person.pk)
        theirs = (list(_mine_open(reach, person.pk)), list(_to_take(reach)))
        assert [[o.pk for o in half] for half in ours] == [[o.pk for o in h] for h in theirs]
    assert _orders(reach_of(technician), technician.pk)[0][0].pk == taken.pk
    assert len(shapes) == 4
