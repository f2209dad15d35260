"""GET /api/v1/audit/events: read only, scoped, filtered."""

from __future__ import annotations

import pytest

from zoneops.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/events"


def test_anonymous_gets_401_problem(client, events):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_without_the_permission_gets_an_empty_list(client, nobody, events):
    client.force_login(nobody)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_scoped_auditor_gets_only_in_scope_events(client, east_auditor, events):
    client.force_login(east_auditor)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == events[0].pk
    assert item["actor"] == "east_clerk"
    assert item["actor_department"] == "东区办"
    assert item["action"] == "accounts.user_updated"
    assert item["object_type"] == "accounts.user"
    assert item["changes"] == {"title": ["", "科员"]}
    assert item["note"] == "east did it"


def test_filters_and_paging(client, auditor, events):
    client.force_login(auditor)
    assert [i["id"] for i in client.get(URL, {"actor": "west_clerk"}).json()["items"]] == [events[1].pk]
    assert [i["id"] for i in client.get(URL, {"text": "east did"}).json()["items"]] == [events[0].pk]
    page = client.get(URL, {"limit": 1, "offset": 1}).json()
    assert page == {"items": [page["items"][0]], "count": 2}
    assert page["items"][0]["id"] == events[0].pk


def test_bad_filter_is_a_400_problem(client, auditor, events):
    client.force_login(auditor)
    response = client.get(URL, {"date_from": "yesterday"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "date_from"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_write_methods(client, auditor, events, method):
    client.force_login(auditor)
    response = getattr(client, method)(URL, data={}, content_type="application/json")
    assert response.status_code in (404, 405)
    one = getattr(client, method)(f"{URL}/{events[0].pk}", data={}, content_type="application/json")
    assert one.status_code in (404, 405)
    assert AuditEvent.objects.count() == 2
    assert AuditEvent.objects.get(pk=events[0].pk).note == "east did it"
