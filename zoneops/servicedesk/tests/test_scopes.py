"""Scope matrix: anonymous / no permission / other department / in scope, for reads and writes; nothing changes."""

import json

import pytest

from zoneops.accounts.models import DataScope
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk import selectors, services
from zoneops.servicedesk.choices import Channel
from zoneops.servicedesk.models import Case, CaseEvent, CaseTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(zone, frozen):
    case = services.register_case(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title="核酸登门检测",
        description="企业申请上门核酸检测",
        requester_name="周敏",
    )
    return services.dispatch_case(actor=zone.desk, case=case, department=zone.zjj, assisting=[zone.scj])


def snapshot(case):
    row = Case.objects.filter(pk=case.pk).values("status", "department_id", "updated_at", "supervision_level").get()
    return row, CaseEvent.objects.filter(case=case).count(), list(CaseTask.objects.filter(case=case).values("status"))


def test_selector_visibility(zone, case):
    assert list(selectors.visible_cases(zone.desk)) == [case]  # all-data scope
    assert list(selectors.visible_cases(zone.zjj_user)) == [case]  # lead department
    assert list(selectors.visible_cases(zone.scj_user)) == [case]  # assisting task, one row only
    assert list(selectors.visible_cases(zone.yjj_user)) == []  # other department
    assert list(selectors.visible_cases(zone.outsider)) == []  # no permission


def test_department_and_below_sees_cases_of_its_children(zone, case):
    parent = zone.zjj.parent or DepartmentFactory(code="GWH")
    head = UserFactory(department=parent)
    grant(head, perms.VIEW_CASE, scope=DataScope.CUSTOM, departments=[zone.zjj])
    assert list(selectors.visible_cases(head)) == [case]


def test_own_records_scope_sees_what_the_user_registered(zone, frozen):
    grid = UserFactory(department=DepartmentFactory(code="ZX-ZYHY-01"))
    grant(grid, perms.VIEW_CASE, perms.INTAKE_CASE, scope=DataScope.SELF)
    mine = services.register_case(
        actor=grid,
        channel=Channel.GRID,
        category=zone.general,
        title="独居老人",
        description="需要送药",
        requester_name="陈建和",
    )
    services.register_case(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title="别人的",
        description="x",
        requester_name="某某",
    )
    assert list(selectors.visible_cases(grid)) == [mine]


def auth(user):
    from zoneops.accounts.models import ApiToken
    from zoneops.accounts.tokens import new_raw_token, token_digest

    raw = new_raw_token()
    ApiToken.objects.create(user=user, name="t", prefix=raw[:8], digest=token_digest(raw))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize(
    ("who", "read", "supervise", "accept"),
    [
        ("anonymous", 401, 401, 401),
        ("outsider", 404, 404, 404),  # no permission: the case does not exist for them
        ("yjj_user", 404, 404, 404),  # other department
        ("scj_user", 200, 403, 409),  # assisting department: sees it; cannot supervise; its task was signed by then
        ("zjj_user", 200, 403, 200),  # lead department
    ],
)
def test_api_scope_matrix(client, zone, case, who, read, supervise, accept):
    headers = {} if who == "anonymous" else auth(getattr(zone, who))
    if who == "scj_user":
        task = CaseTask.objects.get(case=case, department=zone.scj)
        services.accept_task(actor=zone.scj_user, task=task)
    before = snapshot(case)
    url = f"/api/v1/cases/{case.number}"
    assert client.get(url, **headers).status_code == read
    response = client.post(
        f"{url}/supervise", data=json.dumps({"level": 2, "note": "督办"}), content_type="application/json", **headers
    )
    assert response.status_code == supervise
    assert snapshot(case) == before
    response = client.post(f"{url}/accept", data="{}", content_type="application/json", **headers)
    assert response.status_code == accept
    if accept != 200:
        assert snapshot(case) == before


def test_other_department_cannot_act_on_a_task_by_id(client, zone, case):
    task = CaseTask.objects.get(case=case, department=zone.zjj)
    before = snapshot(case)
    response = client.post(
        f"/api/v1/cases/{case.number}/tasks/{task.pk}/accept",
        data="{}",
        content_type="application/json",
        **auth(zone.scj_user),
    )
    assert response.status_code == 404
    assert snapshot(case) == before
