"""API: create, list (filters, search, keyset), detail, every action endpoint, status codes, 409 on a lost race."""

import json

import pytest

from zoneops.accounts.models import ApiToken
from zoneops.accounts.tokens import new_raw_token, token_digest
from zoneops.enterprises.tests.factories import EnterpriseFactory
from zoneops.servicedesk import selectors, services
from zoneops.servicedesk.choices import CaseStatus
from zoneops.servicedesk.models import Case, CaseEvent, CaseTask

pytestmark = pytest.mark.django_db


def bearer(user):
    raw = new_raw_token()
    ApiToken.objects.create(user=user, name="test", prefix=raw[:8], digest=token_digest(raw))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, url, user, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **bearer(user))


def get(client, url, user, **params):
    return client.get(url, params, **bearer(user))


NEW = {
    "category": "supply",
    "title": "物资车辆运输受阻",
    "description": "保供企业货车需通过高速卡口",
    "priority": "urgent",
    "channel": "hotline",
    "hotline": "12345",
    "requester_name": "李卫东",
    "requester_mobile": "13912345678",
}


def create(client, zone, **overrides):
    response = post(client, "/api/v1/cases", zone.desk, {**NEW, **overrides})
    assert response.status_code == 201, response.content
    return response.json()


def test_create_returns_201_with_number_status_and_masked_requester(client, zone, frozen):
    body = create(client, zone)
    assert body["number"] == "GD20220411-0001"
    assert body["status"] == "registered"
    assert body["requester"] == {"enterprise": None, "name": "李*东", "mobile": "139****5678", "is_anonymous": False}
    assert body["timeline"][0]["kind"] == "registered"
    assert body["department"] is None


def test_create_for_an_enterprise_by_credit_code(client, zone, frozen):
    enterprise = EnterpriseFactory(name="南通星辰合成材料有限公司")
    body = create(client, zone, enterprise=enterprise.uscc, requester_name="", requester_mobile="")
    assert body["requester"]["enterprise"] == {"uscc": enterprise.uscc, "name": "南通星辰合成材料有限公司"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"hotline": "nope"}, "hotline"),
        ({"enterprise": "91320691MA00000000"}, "enterprise"),
        ({"priority": "asap"}, "priority"),
        ({"channel": "fax"}, "channel"),
        ({"requester_mobile": "123"}, "requester_mobile"),
        ({"hotline": None}, "hotline"),
    ],
)
def test_create_rejects_bad_input_with_400_naming_the_field(client, zone, frozen, overrides, field):
    response = post(client, "/api/v1/cases", zone.desk, {**NEW, **overrides})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Case.objects.count() == 0


def test_create_needs_authentication_and_permission(client, zone, frozen):
    assert client.post("/api/v1/cases", data=json.dumps(NEW), content_type="application/json").status_code == 401
    assert post(client, "/api/v1/cases", zone.zjj_user, NEW).status_code == 403
    assert Case.objects.count() == 0


def test_full_loop_over_the_api(client, zone, frozen):
    number = create(client, zone)["number"]
    response = post(client, f"/api/v1/cases/{number}/dispatch", zone.desk, {"department": "ZJJ", "assisting": ["SCJ"]})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "dispatched"
    assert body["department"] == {"code": "ZJJ", "name": "住建局"}
    assert [(t["department"]["code"], t["role"]) for t in body["tasks"]] == [("ZJJ", "lead"), ("SCJ", "assisting")]
    assert post(client, f"/api/v1/cases/{number}/accept", zone.zjj_user).json()["status"] == "accepted"
    assisting_id = body["tasks"][1]["id"]
    assert post(client, f"/api/v1/cases/{number}/tasks/{assisting_id}/accept", zone.scj_user).status_code == 200
    assert (
        post(
            client, f"/api/v1/cases/{number}/tasks/{assisting_id}/progress", zone.scj_user, {"note": "已协调"}
        ).status_code
        == 200
    )
    assert post(client, f"/api/v1/cases/{number}/start", zone.zjj_user).json()["status"] == "in_progress"
    # The lead cannot resolve before the assisting department.
    response = post(client, f"/api/v1/cases/{number}/resolve", zone.zjj_user, {"resolution": "送达"})
    assert response.status_code == 409
    assert (
        post(
            client, f"/api/v1/cases/{number}/tasks/{assisting_id}/resolve", zone.scj_user, {"resolution": "放行"}
        ).status_code
        == 200
    )
    response = post(
        client, f"/api/v1/cases/{number}/request-extension", zone.zjj_user, {"working_days": "1", "reason": "等待车辆"}
    )
    assert response.status_code == 200
    response = post(client, f"/api/v1/cases/{number}/decide-extension", zone.desk, {"approve": True})
    assert response.json()["extensions"][0]["status"] == "approved"
    assert (
        post(client, f"/api/v1/cases/{number}/supervise", zone.desk, {"level": 1, "note": "催办"}).json()[
            "supervision_level"
        ]
        == 1
    )
    assert (
        post(client, f"/api/v1/cases/{number}/resolve", zone.zjj_user, {"resolution": "送达"}).json()["status"]
        == "resolved"
    )
    assert (
        post(client, f"/api/v1/cases/{number}/follow-up", zone.desk, {"satisfaction": "satisfied"}).json()["status"]
        == "followed_up"
    )
    assert (
        post(client, f"/api/v1/cases/{number}/reopen", zone.desk, {"note": "再次反映"}).json()["status"]
        == "in_progress"
    )
    assert (
        post(client, f"/api/v1/cases/{number}/resolve", zone.zjj_user, {"resolution": "再送达"}).json()["status"]
        == "resolved"
    )
    assert (
        post(client, f"/api/v1/cases/{number}/follow-up", zone.desk, {"satisfaction": "satisfied"}).status_code == 200
    )
    body = post(client, f"/api/v1/cases/{number}/close", zone.desk).json()
    assert body["status"] == "closed"
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds[:3] == ["registered", "dispatched", "accepted"]
    assert kinds[-1] == "closed"


def test_return_twice_goes_to_arbitration_then_arbitrate(client, zone, frozen):
    number = create(client, zone)["number"]
    post(client, f"/api/v1/cases/{number}/dispatch", zone.desk, {"department": "SCJ"})
    body = post(
        client, f"/api/v1/cases/{number}/return", zone.scj_user, {"reason": "not_our_duty", "note": "非本局"}
    ).json()
    assert body["status"] == "returned"
    post(client, f"/api/v1/cases/{number}/dispatch", zone.desk, {"department": "YJJ"})
    body = post(
        client, f"/api/v1/cases/{number}/return", zone.yjj_user, {"reason": "not_local", "note": "非属地"}
    ).json()
    assert body["status"] == "arbitration"
    assert post(client, f"/api/v1/cases/{number}/dispatch", zone.desk, {"department": "ZJJ"}).status_code == 409
    response = post(client, f"/api/v1/cases/{number}/arbitrate", zone.desk, {"department": "ZJJ", "note": "审定"})
    assert response.status_code == 200
    assert response.json()["tasks"][-1]["is_binding"] is True


def test_suspend_resume(client, zone, frozen):
    number = create(client, zone)["number"]
    post(client, f"/api/v1/cases/{number}/dispatch", zone.desk, {"department": "ZJJ"})
    assert (
        post(client, f"/api/v1/cases/{number}/suspend", zone.desk, {"reason": "等材料"}).json()["status"] == "suspended"
    )
    assert post(client, f"/api/v1/cases/{number}/accept", zone.zjj_user).status_code == 409
    assert post(client, f"/api/v1/cases/{number}/resume", zone.desk).json()["status"] == "dispatched"


def test_illegal_transition_is_409_and_changes_nothing(client, zone, frozen):
    number = create(client, zone)["number"]
    response = post(client, f"/api/v1/cases/{number}/follow-up", zone.desk, {"satisfaction": "satisfied"})
    assert response.status_code == 409
    assert response.json()["type"].endswith("invalid_transition")
    assert Case.objects.get(number=number).status == CaseStatus.REGISTERED


def test_unknown_department_is_400(client, zone, frozen):
    number = create(client, zone)["number"]
    response = post(client, f"/api/v1/cases/{number}/dispatch", zone.desk, {"department": "NOPE"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "department", "message": "Unknown department: NOPE."}]


def test_concurrent_dispatch_one_wins_the_other_gets_409(client, zone, frozen, monkeypatch):
    """The second clerk read the case before the first one's dispatch committed."""
    number = create(client, zone)["number"]
    original = selectors.case_for_user_or_404

    def read_then_lose_the_race(user, wanted, perm=selectors.perms.VIEW_CASE):
        stale = original(user, wanted, perm)
        monkeypatch.setattr(selectors, "case_for_user_or_404", original)
        services.dispatch_case(actor=zone.desk, case=original(user, wanted, perm), department=zone.scj)
        return stale

    monkeypatch.setattr(selectors, "case_for_user_or_404", read_then_lose_the_race)
    response = post(client, f"/api/v1/cases/{number}/dispatch", zone.desk, {"department": "ZJJ"})
    assert response.status_code == 409
    assert response.json()["type"].endswith("conflict")
    case = Case.objects.get(number=number)
    assert case.department == zone.scj
    assert list(CaseTask.objects.filter(case=case).values_list("department__code", flat=True)) == ["SCJ"]
    assert CaseEvent.objects.filter(case=case, kind="dispatched").count() == 1


def test_list_filters_search_and_keyset_pages(client, zone, frozen):
    numbers = []
    for i in range(5):
        frozen.shift(60)
        numbers.append(create(client, zone, title=f"核酸登门检测 {i}" if i % 2 else f"后勤保供 {i}")["number"])
    post(client, f"/api/v1/cases/{numbers[0]}/dispatch", zone.desk, {"department": "ZJJ"})
    body = get(client, "/api/v1/cases", zone.desk).json()
    assert body["count"] == 5
    assert [c["number"] for c in body["items"]] == numbers[::-1]
    assert get(client, "/api/v1/cases", zone.desk, q="核酸").json()["count"] == 2
    assert get(client, "/api/v1/cases", zone.desk, q="13912345678").json()["count"] == 5  # exact mobile via digest
    assert get(client, "/api/v1/cases", zone.desk, status="dispatched").json()["count"] == 1
    assert get(client, "/api/v1/cases", zone.desk, department="ZJJ").json()["items"][0]["number"] == numbers[0]
    assert get(client, "/api/v1/cases", zone.desk, category="supply", overdue="false").json()["count"] == 5
    assert get(client, "/api/v1/cases", zone.desk, created_from="2022-04-12").json()["count"] == 0
    assert get(client, "/api/v1/cases", zone.desk, status="nope").status_code == 400
    page1 = get(client, "/api/v1/cases", zone.desk, limit=2, cursor="").json()
    assert page1["count"] is None
    page2 = get(client, "/api/v1/cases", zone.desk, limit=2, cursor=page1["next_cursor"]).json()
    page3 = get(client, "/api/v1/cases", zone.desk, limit=2, cursor=page2["next_cursor"]).json()
    assert [c["number"] for c in page1["items"] + page2["items"] + page3["items"]] == numbers[::-1]
    assert page3["next_cursor"] == ""
    assert get(client, "/api/v1/cases", zone.desk, cursor="garbage!").status_code == 400


def test_reveal_requester_needs_permission(client, zone, frozen):
    from zoneops.accounts.tests.factories import grant

    number = create(client, zone)["number"]
    assert get(client, f"/api/v1/cases/{number}/requester", zone.desk).status_code == 403
    grant(zone.desk, "accounts.view_personal_data")
    assert get(client, f"/api/v1/cases/{number}/requester", zone.desk).json() == {
        "name": "李卫东",
        "mobile": "13912345678",
    }


def test_kpi_endpoint(client, zone, frozen):
    number = create(client, zone)["number"]
    post(client, f"/api/v1/cases/{number}/dispatch", zone.desk, {"department": "ZJJ"})
    post(client, f"/api/v1/cases/{number}/accept", zone.zjj_user)
    body = get(client, "/api/v1/servicedesk/kpi", zone.desk, **{"from": "2022-04-01", "to": "2022-04-30"}).json()
    assert (body["start"], body["end"]) == ("2022-04-01", "2022-04-30")
    rows = {row["department"]["code"]: row for row in body["rows"]}
    # The lead department's sign-for figure, and the desk's own row for what it registered.
    assert rows["ZJJ"]["department"] == {"code": "ZJJ", "name": "住建局"}
    assert rows["ZJJ"]["sign_on_time_rate"] == 100.0
    assert rows["XSJ-DESK"]["first_contact_rate"] == 0.0
    assert body["zone"]["department"] is None
    assert get(client, "/api/v1/servicedesk/kpi", zone.zjj_user).status_code == 403


def test_counts_are_capped_and_offsets_bounded(client, zone, frozen, monkeypatch):
    for _ in range(3):
        create(client, zone)
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    body = get(client, "/api/v1/cases", zone.desk).json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (2, True, 3)
    assert get(client, "/api/v1/cases", zone.desk, offset=10001).status_code == 400


def test_duplicates_and_merge_endpoints(client, zone, frozen):
    first = create(client, zone)["number"]
    second = create(client, zone, title="物资车辆运输受阻 再次反映")["number"]
    assert [c["number"] for c in get(client, f"/api/v1/cases/{second}/duplicates", zone.desk).json()] == [first]
    body = post(client, f"/api/v1/cases/{second}/merge", zone.desk, {"into": first, "note": "重复"}).json()
    assert body["status"] == "closed"
    assert post(client, f"/api/v1/cases/{second}/merge", zone.desk, {"into": first}).status_code == 409
    assert post(client, f"/api/v1/cases/{first}/merge", zone.desk, {"into": "GD00000000-0000"}).status_code == 404
