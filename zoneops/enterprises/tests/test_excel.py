"""Excel import (all-or-nothing, row-level errors) and export (masked unless permitted, audited)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.core.errors import PermissionDenied
from zoneops.core.excel import ImportFailed, template_workbook
from zoneops.enterprises import services
from zoneops.enterprises.models import Enterprise, EnterpriseContact, Industry
from zoneops.enterprises.tests.factories import ContactFactory, EnterpriseFactory, make_uscc

pytestmark = pytest.mark.django_db


def _upload(rows: list[dict]) -> SimpleUploadedFile:
    """A filled-in import template: each row maps column keys to values."""
    columns = services.import_columns()
    workbook = template_workbook(title="Enterprises", columns=columns)
    sheet = workbook.active
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            sheet.cell(row=number, column=index, value=row.get(column.key))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("enterprises.xlsx", buffer.getvalue())


def _row(n: int, **extra) -> dict:
    return {
        "name": f"南通导入{n}科技有限公司",
        "uscc": make_uscc(n),
        "industry": str(Industry.MANUFACTURING.label),
        "subdistrict": "竹行街道",
        **extra,
    }


def test_good_import_creates_updates_and_audits(clerk, subdistrict):
    # Given one enterprise already registered in the clerk's subdistrict
    existing = EnterpriseFactory(uscc=make_uscc(2), subdistrict=subdistrict, name="旧名", is_key=False)
    with translation.override("en"):
        upload = _upload(
            [
                _row(1, is_key="Yes", tags="专精特新、规上企业", contact_name="庞小琳", contact_mobile="13862800818"),
                _row(2, name="新名", uscc=make_uscc(2).lower(), is_key="是"),
            ]
        )
        # When the clerk imports a file with one new and one known credit code
        result = services.import_enterprises(actor=clerk, upload=upload)
    # Then one is created and one updated
    assert (result.created, result.updated) == (1, 1)
    created = Enterprise.objects.get(uscc=make_uscc(1))
    assert created.is_key is True
    assert created.subdistrict == subdistrict
    assert sorted(created.tags.values_list("name", flat=True)) == ["专精特新", "规上企业"]
    contact = EnterpriseContact.objects.get(enterprise=created)
    assert (contact.name, contact.mobile, contact.is_primary) == ("庞小琳", "13862800818", True)
    existing.refresh_from_db()
    assert (existing.name, existing.is_key) == ("新名", True)
    summary = AuditEvent.objects.get(action="enterprises.imported")
    assert summary.changes == {"created": 1, "updated": 1}
    assert summary.note == "enterprises.xlsx"
    assert AuditEvent.objects.filter(action="enterprises.enterprise_created").count() == 1
    assert AuditEvent.objects.filter(action="enterprises.enterprise_updated").count() == 1


def test_bad_row_writes_nothing_and_names_row_and_column(clerk, subdistrict):
    bad = make_uscc(3)[:17] + ("0" if make_uscc(3)[17] != "0" else "1")
    with translation.override("en"):
        upload = _upload([_row(1), _row(3, uscc=bad), _row(4, contact_name="甲", contact_mobile="123")])
        with pytest.raises(ImportFailed) as raised:
            services.import_enterprises(actor=clerk, upload=upload)
        messages = [str(error) for error in raised.value.row_errors]
    # Row 2 of the sheet is the first data row: the bad code sits in Excel row 3
    assert messages == [
        "Row 3 Unified social credit code: Check digit is wrong.",
        "Row 4 Contact mobile: Enter an 11-digit mobile number starting with 1.",
    ]
    first = raised.value.row_errors[0]
    assert (first.row, first.column) == (3, "Unified social credit code")
    assert raised.value.field == "file"
    assert Enterprise.objects.count() == 0
    assert EnterpriseContact.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_import_rows_outside_scope_and_duplicates_are_errors(clerk, subdistrict, other_subdistrict):
    EnterpriseFactory(uscc=make_uscc(9), subdistrict=other_subdistrict)
    with translation.override("en"):
        upload = _upload([_row(1, subdistrict="小海街道"), _row(2), _row(5, uscc=make_uscc(2)), _row(9)])
        with pytest.raises(ImportFailed) as raised:
            services.import_enterprises(actor=clerk, upload=upload)
        messages = [str(error) for error in raised.value.row_errors]
    assert messages == [
        "Row 2 Subdistrict: This subdistrict is outside your data scope.",
        "Row 4 Unified social credit code: Same credit code as row 3.",
        "Row 5 Unified social credit code: This credit code is already registered outside your data scope.",
    ]
    assert Enterprise.objects.count() == 1


def test_import_needs_permission(subdistrict):
    user = UserFactory()
    grant(user, "enterprises.view_enterprise")
    with pytest.raises(PermissionDenied):
        services.import_enterprises(actor=user, upload=_upload([_row(1)]))
    assert Enterprise.objects.count() == 0


def _export_rows(workbook) -> list[list]:
    sheet = workbook.active
    return [list(row) for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]


def test_export_masks_mobiles_without_permission(clerk, subdistrict, other_subdistrict):
    mine = EnterpriseFactory(subdistrict=subdistrict, name="甲公司")
    ContactFactory(enterprise=mine, name="庞小琳", mobile="13862800818")
    EnterpriseFactory(subdistrict=other_subdistrict, name="乙公司")
    workbook = services.export_enterprises(actor=clerk, queryset=Enterprise.objects.all())
    rows = _export_rows(workbook)
    # Only the clerk's subdistrict is exported, with the mobile masked
    assert [(row[0], row[-2], row[-1]) for row in rows] == [("甲公司", "庞小琳", "138****0818")]
    event = AuditEvent.objects.get(action="enterprises.exported")
    assert event.changes == {"count": 1, "unmasked": False}
    assert not AuditEvent.objects.filter(action="accounts.personal_data_viewed").exists()


def test_export_unmasked_with_permission_is_audited(subdistrict):
    user = UserFactory()
    grant(user, "enterprises.view_enterprise", "enterprises.export_enterprise", "accounts.view_personal_data")
    enterprise = EnterpriseFactory(subdistrict=subdistrict, name="甲公司")
    contact = ContactFactory(enterprise=enterprise, mobile="13862800818")
    workbook = services.export_enterprises(actor=user, queryset=Enterprise.objects.all())
    assert _export_rows(workbook)[0][-1] == "13862800818"
    assert AuditEvent.objects.get(action="enterprises.exported").changes == {"count": 1, "unmasked": True}
    viewed = AuditEvent.objects.get(action="accounts.personal_data_viewed")
    assert viewed.changes == {"enterprise_contacts": [contact.pk]}


def test_template_download_has_headers_and_dropdowns(client, clerk, subdistrict):
    client.force_login(clerk)
    with translation.override("en"):
        response = client.get("/enterprises/import/template", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["Enterprise name*", "Unified social credit code*", "Legal representative", "Industry*"]
    assert len(headers) == len(services.import_columns())
    assert [row for row in sheet.iter_rows(min_row=2, max_row=2, values_only=True)][0][0] == "南通示例科技有限公司"
