"""Scope matrix: anonymous / no permission / other subdistrict / in scope, and the enterprise contact user.

Each case checks the status code and that nothing changed.
"""

from __future__ import annotations

import json

import pytest

from zoneops.accounts.models import DataScope
from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.enterprises.selectors import enterprise_for_user_or_404, visible_enterprises
from zoneops.enterprises.tests.factories import ContactFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(subdistrict):
    """An enterprise of 竹行街道."""
    return EnterpriseFactory(subdistrict=subdistrict, name="原名")


@pytest.fixture
def outsider(other_subdistrict):
    """A clerk of 小海街道 with every enterprise permission there."""
    user = UserFactory(department=other_subdistrict)
    grant(
        user,
        "enterprises.view_enterprise",
        "enterprises.change_enterprise",
        scope=DataScope.DEPARTMENT,
    )
    return user


@pytest.fixture
def insider(subdistrict):
    """A clerk of 竹行街道 (own department scope)."""
    user = UserFactory(department=subdistrict)
    grant(user, "enterprises.view_enterprise", "enterprises.change_enterprise", scope=DataScope.DEPARTMENT)
    return user


def _unchanged(target) -> bool:
    target.refresh_from_db()
    return target.name == "原名" and not AuditEvent.objects.filter(action__startswith="enterprises.").exists()


@pytest.mark.parametrize(
    ("who", "page", "detail", "edit_post"),
    [
        ("anonymous", 302, 302, 302),
        ("nobody", 403, 403, 403),
        ("outsider", 200, 404, 404),
        ("insider", 200, 200, 302),
    ],
)
def test_page_matrix(client, request, target, who, page, detail, edit_post):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get("/enterprises/").status_code == page
    assert client.get(f"/enterprises/{target.pk}/").status_code == detail
    response = client.post(
        f"/enterprises/{target.pk}/edit",
        {"name": "改名", "uscc": target.uscc, "industry": target.industry, "subdistrict": target.subdistrict_id},
    )
    assert response.status_code == edit_post
    if who == "insider":
        target.refresh_from_db()
        assert target.name == "改名"
    else:
        assert _unchanged(target)
    if who == "outsider":
        assert client.get("/enterprises/").context["rows"] == []


@pytest.mark.parametrize(
    ("who", "listing", "detail", "patch"),
    [
        ("anonymous", 401, 401, 401),
        ("nobody", 403, 403, 403),
        ("outsider", 200, 404, 404),
        ("insider", 200, 200, 200),
    ],
)
def test_api_matrix(client, request, target, who, listing, detail, patch):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get("/api/v1/enterprises")
    assert response.status_code == listing
    if listing == 200:
        expected = [target.pk] if who == "insider" else []
        assert [item["id"] for item in response.json()["items"]] == expected
    assert client.get(f"/api/v1/enterprises/{target.pk}").status_code == detail
    response = client.patch(
        f"/api/v1/enterprises/{target.pk}", json.dumps({"name": "改名"}), content_type="application/json"
    )
    assert response.status_code == patch
    if who == "insider":
        target.refresh_from_db()
        assert target.name == "改名"
    else:
        assert _unchanged(target)


def test_enterprise_contact_user_sees_only_own_enterprise(client, subdistrict):
    own = EnterpriseFactory(subdistrict=subdistrict, name="南通星辰合成材料有限公司")
    other = EnterpriseFactory(subdistrict=subdistrict, name="别家")
    contact_user = UserFactory(username="enterprise", department=None, is_staff=False)
    grant(contact_user, "enterprises.view_enterprise", scope=DataScope.SELF)
    ContactFactory(enterprise=own, user=contact_user, is_primary=True)
    ContactFactory(enterprise=own, is_primary=False)  # a second contact must not duplicate the row
    assert list(visible_enterprises(contact_user)) == [own]
    assert enterprise_for_user_or_404(contact_user, own.pk) == own
    client.force_login(contact_user)
    assert [row["enterprise"] for row in client.get("/enterprises/").context["rows"]] == [own]
    assert client.get(f"/enterprises/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/enterprises/{other.pk}").status_code == 404
    body = client.get("/api/v1/enterprises").json()
    assert (body["count"], [item["id"] for item in body["items"]]) == (1, [own.pk])


def test_subdistrict_and_self_scopes_combine_with_or(subdistrict, other_subdistrict):
    own = EnterpriseFactory(subdistrict=other_subdistrict)
    local = EnterpriseFactory(subdistrict=subdistrict)
    EnterpriseFactory(subdistrict=other_subdistrict)
    user = UserFactory(department=subdistrict)
    grant(user, "enterprises.view_enterprise", scope=DataScope.DEPARTMENT)
    grant(user, "enterprises.view_enterprise", scope=DataScope.SELF)
    ContactFactory(enterprise=own, user=user)
    ContactFactory(enterprise=local, is_primary=True)
    ContactFactory(enterprise=local, is_primary=False)
    visible = visible_enterprises(user)
    assert sorted(e.pk for e in visible) == sorted([own.pk, local.pk])
    assert visible.count() == 2
