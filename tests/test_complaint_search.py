"""Chinese-aware search of complaints: bigrams in Python and in Postgres, the search box
of the complaint list (words, numbers, phones, rooms, names) and the GIN index behind it."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from complaints import search, selectors
from complaints.models import Category, Channel, Complaint, Grade
from tests.factories.complaints import make_complaint
from tests.factories.staff import UnitFactory

# --- bigrams() ---------------------------------------------------------------------------


def test_a_two_character_word_is_its_own_bigram():
    assert search.bigrams("漏水") == ["漏水"]


def test_bigrams_are_every_neighbouring_pair_sorted_and_distinct():
    assert search.bigrams("楼上漏水") == sorted(["楼上", "上漏", "漏水"])
    assert search.bigrams("水水水") == ["水水"]


def test_bigrams_are_lowercased():
    assert search.bigrams("WiFi") == ["fi", "if", "wi"]


def test_bigrams_skip_pairs_with_spaces_or_punctuation():
    assert search.bigrams("漏水，滴水") == sorted(["漏水", "滴水"])
    assert search.bigrams("漏 水") == []
    assert search.bigrams("a-b") == []


def test_a_single_character_or_nothing_has_no_bigrams():
    assert search.bigrams("漏") == []
    assert search.bigrams("") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "楼上卫生间漏水，天花板滴水！",
        "WiFi信号差 3号楼",
        "电梯（2号）停运…已报修",
        "ＡＢＣ全角字母",
    ],
)
def test_the_python_bigrams_are_a_subset_of_what_postgres_stores(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT complaint_search_bigrams(%s, '', '')", [text])
        (stored,) = cursor.fetchone()
    assert set(search.bigrams(text)) <= set(stored)


@pytest.mark.django_db
def test_the_stored_column_holds_the_bigrams_of_description_demand_and_place(clerk):
    c = make_complaint(clerk=clerk, description="楼上漏水", demand="尽快维修", location="三号楼")
    c.refresh_from_db()
    assert {"漏水", "维修", "号楼"} <= set(c.search_bigrams)
    # No gram spans two fields.
    assert "水尽" not in c.search_bigrams


# --- the search box of the complaint list ------------------------------------------------


def found(user, q: str) -> list[Complaint]:
    return list(selectors.complaint_list(user, filters={"q": q}))


@pytest.fixture
def leak(clerk):
    return make_complaint(clerk=clerk, description="楼上卫生间漏水，天花板一直在滴")


@pytest.fixture
def apart(clerk):
    # Has 漏 and 水 but never side by side.
    return make_complaint(
        clerk=clerk,
        description="水龙头坏了，墙面有渗漏",
        resident_name="李四",
        resident_phone="13900000002",
    )


def test_a_word_is_found_inside_a_description(clerk, leak, apart):
    assert found(clerk, "漏水") == [leak]


def test_the_two_characters_apart_do_not_match(clerk, leak, apart):
    assert apart not in found(clerk, "漏水")
    assert found(clerk, "水龙头") == [apart]


def test_a_term_whose_bigrams_all_occur_but_apart_is_not_found(clerk):
    # 天花 and 花板 are both in the text, 天花板 is not: the LIKE recheck drops it.
    make_complaint(clerk=clerk, description="天花很美，花板坏了")
    real = make_complaint(clerk=clerk, description="天花板掉灰", resident_phone="13900000003")
    assert found(clerk, "天花板") == [real]


def test_a_longer_phrase_is_found(clerk, leak, apart):
    assert found(clerk, "卫生间漏水") == [leak]
    assert found(clerk, "厨房漏水严重") == []


def test_the_demand_and_the_place_are_searched_too(clerk):
    by_demand = make_complaint(clerk=clerk, description="噪音", demand="要求物业赔偿损失")
    by_place = make_complaint(
        clerk=clerk, description="灯坏了", location="地下车库B区", resident_phone="13900000004"
    )
    assert found(clerk, "赔偿损失") == [by_demand]
    assert found(clerk, "地下车库") == [by_place]


def test_latin_letters_are_found_whatever_their_case(clerk):
    c = make_complaint(clerk=clerk, description="大堂WiFi信号很差")
    assert found(clerk, "wifi信号") == [c]
    assert found(clerk, "WIFI") == [c]


def test_a_complaint_is_found_by_its_number(clerk, leak, apart):
    assert found(clerk, leak.number) == [leak]
    assert found(clerk, leak.number.lower()) == [leak]
    assert found(clerk, "TS-209901-0001") == []


def test_a_complaint_is_found_by_the_residents_phone(clerk, leak, apart):
    assert found(clerk, "13812345678") == [leak]
    assert found(clerk, "1381234") == [leak]  # the start of the number is enough
    assert found(clerk, "139 0000 0002") == [apart]


def test_a_mobile_number_typed_with_dashes_still_finds_the_complaint(clerk, leak):
    assert found(clerk, "138-1234-5678") == [leak]


def test_a_complaint_is_found_by_its_room_number(clerk, ch):
    unit = UnitFactory(estate=ch, building="3", room="1203")
    other = UnitFactory(estate=ch, building="3", room="1204")
    c = make_complaint(clerk=clerk, unit=unit)
    make_complaint(clerk=clerk, unit=other, category=Category.CLEANING)
    assert found(clerk, "1203") == [c]


def test_a_complaint_is_found_by_the_residents_name(clerk, leak, apart):
    assert found(clerk, "李四") == [apart]
    assert found(clerk, "张三") == [leak]
    assert found(clerk, "王五") == []


def test_search_stays_within_what_the_user_may_see(clerk, other_clerk, leak):
    assert found(other_clerk, "漏水") == []
    assert found(other_clerk, leak.number) == []


def test_search_combines_with_the_other_filters(clerk, leak):
    make_complaint(clerk=clerk, grade=Grade.MAJOR, description="地下室漏水", resident_phone="")
    results = selectors.complaint_list(clerk, filters={"q": "漏水", "grade": Grade.MINOR})
    assert list(results) == [leak]


def test_search_results_are_newest_first(clerk):
    older = make_complaint(clerk=clerk, description="阳台漏水")
    newer = make_complaint(clerk=clerk, description="厨房漏水", category=Category.CLEANING)
    assert found(clerk, "漏水") == [newer, older]


# --- the GIN index serves the bigram query -----------------------------------------------

FILLER = [
    "电梯停运，请尽快维修",
    "楼道灯不亮",
    "垃圾没有及时清运",
    "停车位被占用",
    "水压太低，洗澡困难",
    "窗户漏风",
    "绿化带杂草太多",
    "保安态度不好",
    "物业费收费标准不清楚",
    "楼下噪音扰民",
]


@pytest.fixture
def many_complaints(clerk, ch):
    """About 2000 complaints of estate ch, three of which mention 卫生间漏水."""
    now = timezone.now()
    rows = [
        Complaint(
            estate=ch,
            number=f"TS-209901-{i:04d}",
            received_at=now - dt.timedelta(minutes=i),
            received_by=clerk,
            channel=Channel.PHONE,
            description=f"{FILLER[i % len(FILLER)]}（第{i}号）",
            category=Category.ENGINEERING,
            grade=Grade.MINOR,
            resident_name="赵六",
        )
        for i in range(1, 2001)
    ]
    for i in (17, 900, 1999):
        rows[i].description = "卫生间漏水，楼下天花板滴水"
    Complaint.objects.bulk_create(rows, batch_size=500)
    with connection.cursor() as cursor:
        # Fresh rows wait in the GIN index's pending list until (auto)vacuum merges them,
        # and the planner prices that list in; merge it now as autovacuum would.
        cursor.execute("SELECT gin_clean_pending_list('complaint_search_gin'::regclass)")
        cursor.execute("ANALYZE complaints_complaint")
    return rows


def uses_the_gin_index(plan: str) -> bool:
    return "complaint_search_gin" in plan or "Bitmap Index Scan" in plan


@pytest.mark.parametrize("term", ["卫生间漏水", "漏水"])
def test_the_bigram_search_can_use_the_gin_index(clerk, many_complaints, term):
    qs = selectors.complaint_list(clerk, filters={"q": term})
    assert len(qs) == 3
    plan = qs.explain()
    if not uses_the_gin_index(plan):
        # At this size the planner may legitimately prefer a sequential scan; show that
        # the index can serve the query when sequential scans are off.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = qs.explain()
    assert "complaint_search_gin" in plan, plan


def test_the_generated_column_is_filled_by_postgres_for_bulk_inserted_rows(many_complaints):
    c = Complaint.objects.get(number="TS-209901-0018")
    assert "漏水" in c.search_bigrams
    assert "卫生" in c.search_bigrams


# --- the bigram function: the same grams as before, in linear time ---------------------

QUADRATIC_BIGRAMS = r"""
  SELECT coalesce(array_agg(DISTINCT g), '{}'::text[])
  FROM (
    SELECT substr(s, i, 2) AS g
    FROM (SELECT lower(coalesce(%(a)s, '') || ' ' || coalesce(%(b)s, '') || ' '
                       || coalesce(%(c)s, '')) AS s) t,
         generate_series(1, greatest(char_length(s) - 1, 0)) AS i
  ) grams
  WHERE g !~ '[[:space:][:punct:]，。！？、；：“”‘’（）《》【】…—]'
"""


@pytest.mark.parametrize(
    ("a", "b", "c"),
    [
        ("楼上漏水，天花板滴水。", "尽快维修", "3栋2单元201"),
        ("Elevator 电梯故障 stuck!!", "", ""),
        ("", "", ""),
        ("a", None, "b"),
        ("“引号”（括号）《书名》——破折号…… 空格\t制表", "x", "y"),
    ],
)
def test_the_linear_bigram_function_gives_the_grams_of_the_first_version(db, a, b, c):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT complaint_search_bigrams(%(a)s, %(b)s, %(c)s)", {"a": a, "b": b, "c": c}
        )
        (linear,) = cursor.fetchone()
        cursor.execute(QUADRATIC_BIGRAMS, {"a": a, "b": b, "c": c})
        (quadratic,) = cursor.fetchone()
    assert sorted(linear) == sorted(quadratic)


def test_the_bigrams_follow_the_text_and_only_the_text(db, clerk):
    """A trigger keeps them: written with the complaint, rewritten when the description,
    demand or place changes, and the same after the clocks' updates."""

    def stored():
        return set(Complaint.objects.values_list("search_bigrams", flat=True).get(pk=c.pk))

    c = make_complaint(clerk=clerk, description="电梯故障")
    assert {"电梯", "梯故", "故障"} <= stored() and "漏水" not in stored()
    Complaint.objects.filter(pk=c.pk).update(demand="楼上漏水")
    assert "漏水" in stored() and "电梯" in stored()
    c.refresh_from_db()
    c.description = "水管爆裂"
    c.save()
    assert "爆裂" in stored() and "电梯" not in stored()
    before = stored()
    Complaint.objects.filter(pk=c.pk).update(sweep_at=timezone.now(), next_due=None)
    assert stored() == before


def test_a_search_window_is_applied_inside_the_gin_index(clerk, many_complaints):
    """The receipt time is the index's second column (btree_gin): a window of the last
    days is an index condition, not a filter on every candidate of the year."""
    since = timezone.now() - dt.timedelta(days=7)
    qs = selectors.complaint_list(clerk, filters={"q": "卫生间漏水"}).filter(received_at__gte=since)
    assert len(qs) == 3
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = qs.explain()
    index_scan = next(line for line in plan.splitlines() if "complaint_search_gin" in line)
    conditions = plan.splitlines()[plan.splitlines().index(index_scan) + 1]
    assert "search_bigrams @>" in conditions and "received_at >=" in conditions, plan
