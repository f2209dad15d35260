"""Enterprise pages: list (filters, sort, masking, query count), detail panels, forms, import, export."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.core.validators import uscc_check_char
from zoneops.enterprises.models import Enterprise, EnterpriseContact, EnterpriseStatus, Industry, Tag
from zoneops.enterprises.panels import Panel, register, registered
from zoneops.enterprises.tests.factories import ContactFactory, EnterpriseFactory, make_uscc

pytestmark = pytest.mark.django_db

LIST = "/enterprises/"


def _names(response) -> list[str]:
    return [row["enterprise"].name for row in response.context["rows"]]


def test_list_searches_chinese_text_and_filters(client, clerk, subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, name="南通星辰合成材料有限公司", is_key=True, is_supply_assured=True)
    EnterpriseFactory(subdistrict=subdistrict, name="南通汉晟智能制造有限公司", legal_representative="李汉卿")
    tagged = EnterpriseFactory(subdistrict=subdistrict, name="太普新能源(南通)有限公司", is_foreign_funded=True)
    tagged.tags.add(Tag.objects.create(name="外资企业"))
    client.force_login(clerk)
    assert _names(client.get(LIST, {"q": "星辰"})) == ["南通星辰合成材料有限公司"]
    assert _names(client.get(LIST, {"q": "李汉"})) == ["南通汉晟智能制造有限公司"]
    assert _names(client.get(LIST, {"is_key": "true"})) == ["南通星辰合成材料有限公司"]
    assert _names(client.get(LIST, {"is_foreign_funded": "true"})) == ["太普新能源(南通)有限公司"]
    assert _names(client.get(LIST, {"tag": Tag.objects.get().pk})) == ["太普新能源(南通)有限公司"]
    assert len(_names(client.get(LIST, {"is_supply_assured": "false"}))) == 2


def test_list_sorts_by_column(client, clerk, subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, name="A", uscc=make_uscc(2))
    EnterpriseFactory(subdistrict=subdistrict, name="B", uscc=make_uscc(1))
    client.force_login(clerk)
    assert _names(client.get(LIST, {"sort": "-name"})) == ["B", "A"]
    assert _names(client.get(LIST, {"sort": "uscc"})) == ["B", "A"]
    assert _names(client.get(LIST, {"sort": "password"})) == ["A", "B"]


def test_list_masks_mobiles_for_staff_without_personal_data_permission(client, clerk, subdistrict):
    ContactFactory(enterprise=EnterpriseFactory(subdistrict=subdistrict), mobile="13862800818")
    client.force_login(clerk)
    response = client.get(LIST)
    assert "138****0818" in response.content.decode()
    assert "13862800818" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="accounts.personal_data_viewed").exists()


def test_list_unmasked_view_is_audited(client, subdistrict):
    user = UserFactory()
    grant(user, "enterprises.view_enterprise", "accounts.view_personal_data")
    ContactFactory(enterprise=EnterpriseFactory(subdistrict=subdistrict), mobile="13862800818")
    client.force_login(user)
    response = client.get(LIST)
    assert "13862800818" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.personal_data_viewed", actor=user).count() == 1


def test_htmx_request_gets_only_the_table(client, clerk, subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, name="甲")
    client.force_login(clerk)
    response = client.get(LIST, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="enterprise-table">')
    assert "<html" not in body


def _list_queries(client, count: int, subdistrict) -> int:
    for _ in range(count):
        enterprise = EnterpriseFactory(subdistrict=subdistrict)
        enterprise.tags.add(Tag.objects.get_or_create(name="规上企业")[0])
        ContactFactory(enterprise=enterprise)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"page_size": 100})
    assert len(response.context["rows"]) == Enterprise.objects.count()
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(client, clerk, subdistrict, django_assert_max_num_queries):
    client.force_login(clerk)
    client.get(LIST)  # the first request of a session writes session bookkeeping
    with_20 = _list_queries(client, 20, subdistrict)
    with_60 = _list_queries(client, 40, subdistrict)
    assert with_20 == with_60
    with django_assert_max_num_queries(with_20):
        client.get(LIST, {"page_size": 100})


def test_detail_shows_panels_contacts_and_history(client, clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict, name="南通星辰合成材料有限公司")
    ContactFactory(enterprise=enterprise, name="庞小琳", mobile="13862800818")
    client.force_login(clerk)
    response = client.get(f"/enterprises/{enterprise.pk}/")
    assert response.status_code == 200
    keys = [panel["key"] for panel in response.context["panels"]]
    assert keys[0] == "contacts" and keys[-1] == "history"
    body = response.content.decode()
    assert "庞小琳" in body and "138****0818" in body
    # The history panel lists the enterprise's audit events
    from zoneops.enterprises.services import update_enterprise

    update_enterprise(actor=clerk, enterprise=enterprise, name="南通星辰合成材料有限公司（新）")
    response = client.get(f"/enterprises/{enterprise.pk}/")
    history = next(p for p in response.context["panels"] if p["key"] == "history")
    assert [e.action for e in history["context"]["events"]] == ["enterprises.enterprise_updated"]
    assert 'data-event="enterprises.enterprise_updated"' in response.content.decode()


def test_a_module_registers_its_own_panel(client, clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    before = {panel.key for panel in registered()}
    register(
        Panel(
            key="test-panel",
            title="Test",
            template="enterprises/_panel_history.html",
            build=lambda user, e: {"events": [], "enterprise": e},
            perms=("enterprises.view_enterprise",),
            order=50,
        )
    )
    try:
        client.force_login(clerk)
        response = client.get(f"/enterprises/{enterprise.pk}/")
        assert "test-panel" in [panel["key"] for panel in response.context["panels"]]
        assert 'data-panel="test-panel"' in response.content.decode()
    finally:
        from zoneops.enterprises import panels

        panels._PANELS.pop("test-panel")
    assert {panel.key for panel in registered()} == before


def test_history_panel_needs_change_or_audit_permission(client, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    reader = UserFactory()
    grant(reader, "enterprises.view_enterprise")
    client.force_login(reader)
    response = client.get(f"/enterprises/{enterprise.pk}/")
    keys = [panel["key"] for panel in response.context["panels"]]
    assert "contacts" in keys
    assert "history" not in keys


def test_create_form_registers_and_redirects(client, clerk, subdistrict):
    client.force_login(clerk)
    code = "91320691MA1MXC008" + uscc_check_char("91320691MA1MXC008")
    response = client.post(
        "/enterprises/new",
        {
            "name": "南通星辰合成材料有限公司",
            "uscc": code.lower(),
            "industry": Industry.CHEMICALS,
            "subdistrict": subdistrict.pk,
            "is_key": "on",
            "tags": "央企子公司, 规上企业",
        },
    )
    enterprise = Enterprise.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{enterprise.pk}/"
    assert (enterprise.uscc, enterprise.is_key) == (code, True)


def test_create_form_shows_the_check_digit_error_on_the_field(client, clerk, subdistrict):
    client.force_login(clerk)
    code = "91320691MA1MXC008" + uscc_check_char("91320691MA1MXC008")
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    response = client.post(
        "/enterprises/new",
        {"name": "甲", "uscc": bad, "industry": Industry.OTHER, "subdistrict": subdistrict.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"uscc": ["Check digit is wrong."]}
    assert Enterprise.objects.count() == 0


def test_duplicate_name_is_warned(client, clerk, subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, name="同名公司")
    client.force_login(clerk)
    response = client.post(
        "/enterprises/new",
        {"name": "同名公司", "uscc": make_uscc(77), "industry": Industry.OTHER, "subdistrict": subdistrict.pk},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    texts = [str(m) for m in response.context["messages"]]
    assert "1 other enterprise(s) carry the same name; check that this is not a duplicate." in texts
    assert Enterprise.objects.filter(name="同名公司").count() == 2


def test_edit_contact_add_remove_and_close(client, clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict, name="旧")
    client.force_login(clerk)
    page = client.get(f"/enterprises/{enterprise.pk}/edit")
    assert page.context["form"].initial["name"] == "旧"
    data = {**{k: v for k, v in page.context["form"].initial.items() if v is not None}, "name": "新"}
    data["subdistrict"] = subdistrict.pk
    assert client.post(f"/enterprises/{enterprise.pk}/edit", data).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.name == "新"
    client.post(f"/enterprises/{enterprise.pk}/contacts/add", {"name": "甲", "mobile": "13800000001"})
    contact = EnterpriseContact.objects.get()
    assert contact.is_primary is True
    client.post(f"/enterprises/{enterprise.pk}/contacts/{contact.pk}/remove")
    assert EnterpriseContact.objects.count() == 0
    client.post(f"/enterprises/{enterprise.pk}/close", {"note": "注销"})
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.CLOSED


def test_import_page_lists_row_errors(client, clerk, subdistrict):
    from zoneops.core.excel import template_workbook
    from zoneops.enterprises.services import import_columns

    client.force_login(clerk)
    response = client.get("/enterprises/import", HTTP_ACCEPT_LANGUAGE="en")
    from django.utils import translation

    with translation.override("en"):
        columns = import_columns()
    workbook = template_workbook(title="x", columns=columns)
    code = make_uscc(5)
    workbook.active.append(["甲公司", code[:17] + ("0" if code[17] != "0" else "1"), "", "Manufacturing", "竹行街道"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(
        "/enterprises/import",
        {"file": SimpleUploadedFile("e.xlsx", buffer.getvalue())},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["row_errors"] == ["Row 2 Unified social credit code: Check digit is wrong."]
    assert Enterprise.objects.count() == 0


def test_export_uses_the_list_filters(client, clerk, subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, name="重点甲", is_key=True)
    EnterpriseFactory(subdistrict=subdistrict, name="普通乙")
    client.force_login(clerk)
    response = client.get("/enterprises/export", {"is_key": "true"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    assert names == ["重点甲"]
    assert AuditEvent.objects.get(action="enterprises.exported").note == "is_key=true"


def test_flag_filters_offer_a_blank_choice_that_filters_nothing(client, clerk, subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, is_key=True)
    EnterpriseFactory(subdistrict=subdistrict, is_key=False)
    client.force_login(clerk)
    response = client.get(LIST, {"is_key": "", "is_listed": ""})
    assert len(response.context["rows"]) == 2
    assert list(response.context["filter"].form.fields["is_key"].choices)[0][0] == ""


def test_registered_capital_is_shown_in_wan_yuan(client, clerk, subdistrict):
    from decimal import Decimal

    enterprise = EnterpriseFactory(subdistrict=subdistrict, registered_capital=Decimal("600000000.00"))
    assert enterprise.registered_capital_wan == Decimal("60000.00")
    client.force_login(clerk)
    assert ">60000<" in client.get(LIST).content.decode()


def test_home_card_counts_link_to_the_rows(client, clerk, subdistrict, other_subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, is_key=True, is_supply_assured=True)
    EnterpriseFactory(subdistrict=subdistrict, is_key=True)
    EnterpriseFactory(subdistrict=subdistrict, status=EnterpriseStatus.CLOSED, is_key=True)
    EnterpriseFactory(subdistrict=other_subdistrict, is_key=True)
    client.force_login(clerk)
    response = client.get("/")
    card = next(c for c in response.context["cards"] if c["key"] == "enterprises-registry")
    assert card["context"]["counts"] == {
        "total": 2,
        "key": 2,
        "supply_assured": 1,
        "foreign_funded": 0,
        "listed": 0,
    }
    # The "key" figure links to exactly the rows it counts
    linked = client.get(LIST, {"status": "active", "is_key": "true"})
    assert len(linked.context["rows"]) == card["context"]["counts"]["key"]
