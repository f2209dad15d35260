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


def test_the_capped_count_chooses_the_plan(cases, monkeypatch):
    zone, visible = cases
    listing = selectors.listed_cases(zone.zjj_user, {})
    assert (listing.count, listing.capped) == (4, False)
    assert "scan_department" not in str(listing.rows.query)
    monkeypatch.setattr(selectors, "SORT_MATCHES_UP_TO", 3)
    listing = selectors.listed_cases(zone.zjj_user, {})
    assert "scan_department" in str(listing.rows.query) or "+ 0" in str(listing.rows.query)
    assert [c.pk for c in listing.rows] == [
        c.pk for c in sorted(visible, key=lambda c: (c.created_at, c.pk), reverse=True)
    ]
