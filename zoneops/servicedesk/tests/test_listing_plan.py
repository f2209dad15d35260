"""A department's list is the same rows whichever plan serves it; the capped count picks the plan."""

import pytest

from zoneops.servicedesk import selectors, services
from zoneops.servicedesk.choices import Channel
from zoneops.servicedesk.models import Case
from zoneops.servicedesk.tests.factories import make_zone

pytestmark = pytest.mark.django_db


def register(zone, title):
    return services.register_case(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title=title,
        description="d",
        requester_name="某某",
    )


@pytest.fixture
def cases(frozen):
    zone = make_zone()
    led = [
        services.dispatch_case(actor=zone.desk, case=register(zone, f"住建{i}"), department=zone.zjj) for i in range(3)
    ]
    assisted = services.dispatch_case(
        actor=zone.desk, case=register(zone, "协办"), department=zone.scj, assisting=[zone.zjj]
    )
    services.dispatch_case(actor=zone.desk, case=register(zone, "别的局"), department=zone.scj)
    register(zone, "未派")
    return zone, [*led, assisted]


def test_both_plans_list_the_same_cases_in_the_same_order(cases):
    zone, visible = cases
    expected = [c.number for c in sorted(visible, key=lambda c: (c.created_at, c.pk), reverse=True)]
    for scan in (False, True):
        rows = selectors.visible_cases(zone.zjj_user, scan=scan).order_by("-created_at", "-id")
        assert [c.number for c in rows] == expected
    assert Case.objects.count() == 6


def test_the_scope_size_chooses_the_plan_and_the_answers_do_not_change(cases, monkeypatch):
    zone, visible = cases
    newest_first = [c.pk for c in sorted(visible, key=lambda c: (c.created_at, c.pk), reverse=True)]
    small = selectors.listed_cases(zone.zjj_user, {})
    small_queues = selectors.queue_counts(zone.zjj_user)
    assert "+ 0" not in str(small.rows.query)
    monkeypatch.setattr(selectors, "SORT_MATCHES_UP_TO", 3)  # zjj's four cases now count as a big scope
    big = selectors.listed_cases(zone.zjj_user, {})
    assert "+ 0" in str(big.rows.query)
    assert [c.pk for c in small.rows] == [c.pk for c in big.rows] == newest_first
    assert (small.count, small.capped) == (big.count, big.capped) == (4, False)
    assert selectors.queue_counts(zone.zjj_user) == small_queues
    queue = selectors.listed_cases(zone.zjj_user, {"queue": "to_sign"})
    assert "+ 0" in str(queue.rows.query) and queue.count == 4


def test_search_by_number_prefix_or_sequence(cases):
    zone, visible = cases
    first = visible[0]
    assert list(selectors.search(Case.objects.all(), first.number.lower())) == [first]
    day_prefix = first.number[:10]  # GD + date: every case of that day
    assert selectors.search(Case.objects.all(), day_prefix).count() == 6
    assert list(selectors.search(Case.objects.all(), first.number[-4:])) == [first]  # the sequence alone
