"""Enterprise API: list with the page's filters, create, read, patch, problem+json errors."""

from __future__ import annotations

import json

import pytest

from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.core.validators import uscc_check_char
from zoneops.enterprises.models import Enterprise, EnterpriseContact, Industry
from zoneops.enterprises.tests.factories import ContactFactory, EnterpriseFactory, make_uscc

pytestmark = pytest.mark.django_db

URL = "/api/v1/enterprises"
CODE = "91320691MA1MXC008" + uscc_check_char("91320691MA1MXC008")
BAD = CODE[:17] + ("0" if CODE[17] != "0" else "1")


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def _patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_list_filters_and_pages(client, clerk, subdistrict, other_subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, name="南通星辰合成材料有限公司", is_key=True)
    EnterpriseFactory(subdistrict=subdistrict, name="南通汉晟智能制造有限公司")
    EnterpriseFactory(subdistrict=subdistrict, name="南通劲胜新能源科技有限公司", industry=Industry.NEW_ENERGY)
    EnterpriseFactory(subdistrict=other_subdistrict, name="小海某公司")
    client.force_login(clerk)
    body = client.get(URL).json()
    assert body["count"] == 3
    # Name order of Chinese text depends on the database collation, so compare as a set here.
    assert {item["name"] for item in body["items"]} == {
        "南通劲胜新能源科技有限公司",
        "南通星辰合成材料有限公司",
        "南通汉晟智能制造有限公司",
    }
    assert [i["name"] for i in client.get(URL, {"q": "星辰"}).json()["items"]] == ["南通星辰合成材料有限公司"]
    assert [i["name"] for i in client.get(URL, {"is_key": "true"}).json()["items"]] == ["南通星辰合成材料有限公司"]
    assert client.get(URL, {"industry": "new_energy"}).json()["count"] == 1
    page = client.get(URL, {"limit": 1, "offset": 1}).json()
    assert (page["count"], len(page["items"])) == (3, 1)
    assert page["items"][0]["name"] == body["items"][1]["name"]


def test_list_rejects_a_bad_filter_naming_it(client, clerk, subdistrict):
    client.force_login(clerk)
    response = client.get(URL, {"industry": "steel"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["industry"]


def test_create_and_read_with_masked_contacts(client, clerk, subdistrict):
    client.force_login(clerk)
    response = _post(
        client,
        URL,
        {
            "name": "南通星辰合成材料有限公司",
            "uscc": CODE.lower(),
            "industry": "chemicals",
            "subdistrict": subdistrict.pk,
            "is_key": True,
            "is_supply_assured": True,
            "registered_capital": "600000000",
            "tags": ["央企子公司"],
            "contacts": [{"name": "庞小琳", "title": "董事长", "mobile": "13862800818"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["uscc"] == CODE
    assert body["subdistrict_name"] == "竹行街道"
    assert body["tags"] == ["央企子公司"]
    assert body["contacts"] == [
        {
            "id": body["contacts"][0]["id"],
            "name": "庞小琳",
            "title": "董事长",
            "mobile": "138****0818",
            "is_primary": True,
            "is_masked": True,
        }
    ]
    detail = client.get(f"{URL}/{body['id']}").json()
    assert detail["contacts"][0]["mobile"] == "138****0818"
    assert not AuditEvent.objects.filter(action="accounts.personal_data_viewed").exists()


def test_detail_unmasked_for_permitted_user_is_audited(client, subdistrict):
    user = UserFactory()
    grant(user, "enterprises.view_enterprise", "accounts.view_personal_data")
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    ContactFactory(enterprise=enterprise, mobile="13862800818")
    client.force_login(user)
    body = client.get(f"{URL}/{enterprise.pk}").json()
    assert body["contacts"][0]["mobile"] == "13862800818"
    assert body["contacts"][0]["is_masked"] is False
    assert AuditEvent.objects.filter(action="accounts.personal_data_viewed", object_id=str(enterprise.pk)).count() == 1


def test_create_with_bad_check_digit_is_problem_json_naming_uscc(client, clerk, subdistrict):
    client.force_login(clerk)
    response = _post(client, URL, {"name": "甲", "uscc": BAD, "industry": "other", "subdistrict": subdistrict.pk})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "uscc", "message": "Check digit is wrong."}]
    assert Enterprise.objects.count() == 0


def test_create_with_bad_contact_mobile_writes_nothing(client, clerk, subdistrict):
    client.force_login(clerk)
    response = _post(
        client,
        URL,
        {
            "name": "甲",
            "uscc": CODE,
            "industry": "other",
            "subdistrict": subdistrict.pk,
            "contacts": [{"name": "乙", "mobile": "12"}],
        },
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["contacts.0.mobile"]
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_patch_changes_given_fields_only(client, clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict, name="旧名", legal_representative="张三")
    contact = ContactFactory(enterprise=enterprise, name="甲")
    client.force_login(clerk)
    response = _patch(
        client,
        f"{URL}/{enterprise.pk}",
        {"name": "新名", "is_listed": True, "listing_board": "chinext", "ticker": "300928"},
    )
    assert response.status_code == 200, response.content
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.legal_representative, enterprise.ticker) == ("新名", "张三", "300928")
    assert EnterpriseContact.objects.filter(pk=contact.pk).exists()
    event = AuditEvent.objects.get(action="enterprises.enterprise_updated")
    assert event.changes["name"] == ["旧名", "新名"]


def test_patch_bad_uscc_is_400_and_nothing_changes(client, clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict, uscc=make_uscc(3), name="原")
    client.force_login(clerk)
    response = _patch(client, f"{URL}/{enterprise.pk}", {"name": "改", "uscc": "91320691MA1MXC00"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "uscc"
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.uscc) == ("原", make_uscc(3))


def test_patch_contacts_replaces_the_list(client, clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    ContactFactory(enterprise=enterprise, name="旧")
    client.force_login(clerk)
    response = _patch(client, f"{URL}/{enterprise.pk}", {"contacts": [{"name": "新", "mobile": "13900000000"}]})
    assert response.status_code == 200
    assert [(c["name"], c["is_primary"]) for c in response.json()["contacts"]] == [("新", True)]


def test_patch_null_clears_only_nullable_fields(client, clerk, subdistrict):
    from decimal import Decimal

    enterprise = EnterpriseFactory(subdistrict=subdistrict, is_key=True, registered_capital=Decimal("100"))
    client.force_login(clerk)
    response = _patch(client, f"{URL}/{enterprise.pk}", {"is_key": None, "registered_capital": None})
    assert response.status_code == 200
    enterprise.refresh_from_db()
    assert (enterprise.is_key, enterprise.registered_capital) == (True, None)
