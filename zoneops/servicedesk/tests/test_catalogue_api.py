"""Catalogue API: categories, SLA rules and hotlines (list, create, change), status codes, nothing written on refusal."""

import json

import pytest

from zoneops.accounts.models import ApiToken
from zoneops.accounts.tests.factories import grant
from zoneops.accounts.tokens import new_raw_token, token_digest
from zoneops.audit.models import AuditEvent
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk.models import Category, HotlineCategory, SlaRule

pytestmark = pytest.mark.django_db


def bearer(user):
    raw = new_raw_token()
    ApiToken.objects.create(user=user, name="test", prefix=raw[:8], digest=token_digest(raw))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def get(client, url, user, **params):
    return client.get(url, params, **bearer(user))


def send(client, method, url, user, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **bearer(user))


@pytest.fixture
def admin(zone):
    grant(zone.desk, perms.MANAGE_CATALOGUE, perms.MANAGE_SLA, perms.MANAGE_HOTLINES)
    return zone.desk


def rows():
    return (
        list(Category.objects.order_by("pk").values()),
        list(SlaRule.objects.order_by("pk").values()),
        list(HotlineCategory.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


NEW_CATEGORY = {
    "code": "EPI-TEST",
    "name": "核酸登门检测",
    "parent": "supply",
    "default_department": "YJJ",
    "sla_rule": "general",
    "extra_fields": [{"code": "people", "label": "需检测人数", "type": "int"}],
}


def test_list_categories_in_tree_order_for_case_staff(client, zone, admin):
    send(client, "post", "/api/v1/servicedesk/categories", admin, NEW_CATEGORY)
    response = get(client, "/api/v1/servicedesk/categories", zone.zjj_user)
    assert response.status_code == 200
    body = response.json()
    assert [c["code"] for c in body["items"]] == ["policy", "supply", "EPI-TEST"]
    assert body["count"] == 3
    added = body["items"][2]
    assert (added["parent"], added["default_department"], added["sla_rule"]) == (
        "supply",
        {"code": "YJJ", "name": "应急管理局"},
        "general",
    )
    inactive = get(client, "/api/v1/servicedesk/categories", zone.zjj_user, is_active="false").json()
    assert inactive == {"items": [], "count": 0}
    assert get(client, "/api/v1/servicedesk/categories", zone.outsider).status_code == 403


def test_create_category_201_and_audited(client, zone, admin):
    response = send(client, "post", "/api/v1/servicedesk/categories", admin, NEW_CATEGORY)
    assert response.status_code == 201, response.content
    assert response.json()["extra_fields"] == [
        {"code": "people", "label": "需检测人数", "type": "int", "required": False}
    ]
    assert Category.objects.get(code="EPI-TEST").parent == zone.general
    assert AuditEvent.objects.filter(action="servicedesk.category_created").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"parent": "nope"}, "parent"),
        ({"default_department": "NOPE"}, "default_department"),
        ({"sla_rule": "nope"}, "sla_rule"),
        ({"code": "supply"}, "code"),
        ({"code": "bad code"}, "code"),
        ({"name": ""}, "name"),
        ({"extra_fields": [{"code": "x", "label": "X", "type": "date"}]}, "extra_fields"),
        ({"sort_order": "first"}, "sort_order"),
    ],
)
def test_create_category_bad_input_is_400_naming_the_field(client, zone, admin, overrides, field):
    before = rows()
    response = send(client, "post", "/api/v1/servicedesk/categories", admin, {**NEW_CATEGORY, **overrides})
    assert response.status_code in (400, 409)
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert rows() == before


def test_writes_need_the_permission(client, zone):
    before = rows()
    assert send(client, "post", "/api/v1/servicedesk/categories", zone.desk, NEW_CATEGORY).status_code == 403
    assert (
        send(client, "patch", "/api/v1/servicedesk/categories/supply", zone.zjj_user, {"name": "x"}).status_code == 403
    )
    rule = zone.general.sla_rule
    assert (
        send(client, "patch", f"/api/v1/servicedesk/sla-rules/{rule.pk}", zone.desk, {"name": "x"}).status_code == 403
    )
    assert (
        send(
            client, "post", "/api/v1/servicedesk/hotlines", zone.zjj_user, {"code": "X", "name": "X", "number": "12345"}
        )
    ).status_code == 403
    assert client.post("/api/v1/servicedesk/sla-rules", data="{}", content_type="application/json").status_code == 401
    assert rows() == before


def test_patch_category_changes_only_the_given_fields(client, zone, admin):
    response = send(
        client, "patch", "/api/v1/servicedesk/categories/supply", admin, {"name": "后勤保供（改）", "parent": None}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["default_department"]["code"], body["sla_rule"]) == ("后勤保供（改）", "ZJJ", "general")
    response = send(client, "patch", "/api/v1/servicedesk/categories/supply", admin, {"is_active": False})
    assert response.json()["is_active"] is False
    assert AuditEvent.objects.filter(action="servicedesk.category_updated").count() == 2
    assert send(client, "patch", "/api/v1/servicedesk/categories/nope", admin, {"name": "x"}).status_code == 404


def test_patch_category_refuses_a_cycle(client, zone, admin):
    send(client, "post", "/api/v1/servicedesk/categories", admin, NEW_CATEGORY)
    before = rows()
    response = send(client, "patch", "/api/v1/servicedesk/categories/supply", admin, {"parent": "EPI-TEST"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "parent"
    response = send(client, "patch", "/api/v1/servicedesk/categories/supply", admin, {"sla_rule": None})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (400, "sla_rule")
    assert rows() == before


def test_sla_rules_list_create_and_patch(client, zone, admin):
    listed = get(client, "/api/v1/servicedesk/sla-rules", zone.zjj_user).json()
    assert [r["code"] for r in listed["items"]] == ["consultation", "general"]
    response = send(
        client,
        "post",
        "/api/v1/servicedesk/sla-rules",
        admin,
        {"code": "complex", "name": "复杂类", "resolve_working_days": "15", "urgent_resolve_working_days": 5},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["resolve_working_days"], body["emergency_sign_minutes"]) == ("complex", "15.00", 30)
    response = send(
        client, "patch", f"/api/v1/servicedesk/sla-rules/{body['id']}", admin, {"emergency_resolve_minutes": 60}
    )
    assert (response.status_code, response.json()["emergency_resolve_minutes"]) == (200, 60)
    assert send(client, "patch", "/api/v1/servicedesk/sla-rules/99999", admin, {"name": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"emergency_sign_minutes": 0}, "emergency_sign_minutes"),
        ({"emergency_resolve_minutes": 2000}, "emergency_resolve_minutes"),
        ({"resolve_working_days": "0"}, "resolve_working_days"),
        ({"sign_working_hours": "abc"}, "sign_working_hours"),
        ({"name": None}, "name"),
    ],
)
def test_patch_sla_rule_bad_limits_are_400(client, zone, admin, body, field):
    before = rows()
    response = send(client, "patch", f"/api/v1/servicedesk/sla-rules/{zone.general.sla_rule.pk}", admin, body)
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert rows() == before


def test_hotlines_list_create_and_patch(client, zone, admin):
    response = send(
        client,
        "post",
        "/api/v1/servicedesk/hotlines",
        admin,
        {
            "code": "EPI",
            "name": "疫情防控咨询热线",
            "number": "0513-85999120",
            "website": "https://www.ntetdz.gov.cn/yqfk/",
        },
    )
    assert response.status_code == 201, response.content
    response = send(client, "patch", "/api/v1/servicedesk/hotlines/EPI", admin, {"is_active": False, "sort_order": 3})
    assert (response.json()["is_active"], response.json()["sort_order"]) == (False, 3)
    listed = get(client, "/api/v1/servicedesk/hotlines", zone.desk).json()
    assert [(h["code"], h["is_active"]) for h in listed["items"]] == [("12345", True), ("EPI", False)]
    response = send(client, "patch", "/api/v1/servicedesk/hotlines/EPI", admin, {"website": "javascript:alert(1)"})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (400, "website")
    assert send(client, "patch", "/api/v1/servicedesk/hotlines/NOPE", admin, {"name": "x"}).status_code == 404
