"""The SQLite word index of case texts: its terms, its candidates, and search answers identical without it."""

import pytest
from django.db import connection

from zoneops.enterprises.tests.factories import EnterpriseFactory
from zoneops.servicedesk import search_index, selectors, services
from zoneops.servicedesk.choices import Channel
from zoneops.servicedesk.models import Case

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 word index exists on SQLite only")


def register(zone, title, description, **kwargs):
    values = dict(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title=title,
        description=description,
        requester_name="某某",
    )
    values.update(kwargs)
    return services.register_case(**values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("核酸检测", "核酸 酸检 检测"),
        ("COVID核酸test检测2022", "核酸 检测"),  # Latin letters and digits are dropped
        ("A市B区", "市 区"),  # a one-character run stays one character
        ("食品，安全！ 停电。", "食品 安全 停电"),  # CJK punctuation splits runs and is not indexed
        ("ABC 123 x", ""),
        ("", ""),
    ],
)
def test_terms_are_bigrams_of_each_cjk_run(text, expected):
    assert search_index.terms(text) == expected


def test_only_chinese_queries_of_two_or_more_characters_get_an_expression():
    assert search_index.match_expression(" 登门检测 ") == '"登门" AND "门检" AND "检测"'
    assert search_index.match_expression("哈哈哈") == '"哈哈"'
    for query in ("核", "核酸 检测", "abc", "13912345678", "核酸1", ""):
        assert search_index.match_expression(query) is None


@pytest.fixture
def cases(zone, frozen):
    company = EnterpriseFactory(name="通州湾华泰物流有限公司")
    return {
        "test": register(zone, "核酸登门检测", "请安排上门做核酸"),
        "supply": register(zone, "后勤保供", "物资车辆运输 need help"),
        "scattered": register(zone, "检测后勤", "酸检 核酸"),  # every bigram of 核酸检测, never the phrase
        "company": register(zone, "停电", "园区停电", enterprise=company, requester_name=""),
        "named": register(zone, "路灯不亮", "夜间无照明", requester_name="张建华", requester_mobile="13912345678"),
    }


QUERIES = {
    "核酸": {"test", "scattered"},  # a two-character word
    "核酸检测": set(),  # its bigrams are all in "scattered", the phrase nowhere
    "登门检测": {"test"},  # a four-character phrase
    "张建华": {"named"},  # a requester's exact name, through its digest
    "华泰物流": {"company"},  # an enterprise's name
    "help": {"supply"},  # an ASCII word keeps the icontains path
    "13912345678": {"named"},  # a mobile, through its digest
    "无此关键词": set(),  # matches nothing
}


def _found(cases, text) -> set[str]:
    names = {case.pk: name for name, case in cases.items()}
    return {names[pk] for pk in selectors.search(Case.objects.all(), text).values_list("pk", flat=True)}


@pytest.mark.django_db
@pytest.mark.parametrize("text", QUERIES)
def test_search_answers_the_same_with_and_without_the_index(cases, text, monkeypatch):
    with_index = _found(cases, text)
    monkeypatch.setattr(search_index, "candidate_ids", lambda query, limit: None)
    assert with_index == _found(cases, text) == QUERIES[text]


@on_sqlite
@pytest.mark.django_db
def test_a_chinese_query_reads_the_index_candidates(cases, django_assert_num_queries):
    assert search_index.available()
    assert search_index.candidate_ids("核酸检测", limit=10) == [cases["scattered"].pk]
    assert search_index.candidate_ids("无此关键词", limit=10) == []
    assert search_index.candidate_ids("核酸", limit=1) is None  # over the limit: walk the newest cases instead
    assert search_index.candidate_ids("help", limit=10) is None
    with django_assert_num_queries(4):  # index present?, candidates, enterprise names, the cases
        assert list(selectors.search(Case.objects.all(), "登门检测")) == [cases["test"]]


@on_sqlite
@pytest.mark.django_db
def test_the_index_follows_registration_and_back_fill(zone, frozen):
    case = register(zone, "电梯故障", "三号楼电梯")
    assert search_index.candidate_ids("电梯故障", limit=10) == [case.pk]
    search_index.index_case(case)  # an upsert: still one row per case
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid, terms FROM {search_index.TABLE}")
        assert cursor.fetchall() == [(case.pk, "电梯 梯故 故障 三号 号楼 楼电 电梯")]
        cursor.execute(f"DELETE FROM {search_index.TABLE}")
    assert search_index.candidate_ids("电梯故障", limit=10) == []
    assert search_index.fill(connection) == 1  # what the migration runs over existing cases
    assert search_index.candidate_ids("电梯故障", limit=10) == [case.pk]


@on_sqlite
@pytest.mark.django_db
def test_the_candidate_query_uses_the_fts_index():
    expression = search_index.match_expression("登门检测")
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN QUERY PLAN SELECT rowid FROM {search_index.TABLE} WHERE {search_index.TABLE} MATCH %s LIMIT 3",
            [expression],
        )
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "VIRTUAL TABLE INDEX" in plan


@on_sqlite
@pytest.mark.django_db
def test_the_case_query_reads_candidates_by_id_not_a_scan(cases):
    plan = selectors.search(Case.objects.all(), "登门检测").order_by("-created_at", "-id")[:20].explain()
    assert "MULTI-INDEX OR" in plan and "INTEGER PRIMARY KEY" in plan
    assert "SCAN servicedesk_case" not in plan
