"""Enterprise services: validation, writes, contacts, close, and the audit rows they leave."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from zoneops.audit.models import AuditEvent
from zoneops.core.errors import Conflict, DomainError, InvalidTransition, OutOfScope, PermissionDenied
from zoneops.core.validators import uscc_check_char
from zoneops.enterprises import services
from zoneops.enterprises.models import Enterprise, EnterpriseContact, EnterpriseStatus, Industry, ListingBoard
from zoneops.enterprises.tests.factories import ContactFactory, EnterpriseFactory, make_uscc

pytestmark = pytest.mark.django_db

VALID = "91320691MA1MXC008" + uscc_check_char("91320691MA1MXC008")


def _wrong_check(code: str) -> str:
    wrong = "0" if code[-1] != "0" else "1"
    return code[:17] + wrong


def test_known_code_is_valid():
    # Given a real-world credit code (Huawei Technologies) whose check character is known
    assert uscc_check_char("91440300708461136") == "T"


def test_create_enterprise_normalises_and_audits(clerk, subdistrict):
    # When a clerk registers an enterprise with a lower-case, spaced credit code
    enterprise = services.create_enterprise(
        actor=clerk,
        name=" 南通星辰合成材料有限公司 ",
        uscc=" " + VALID.lower()[:9] + " " + VALID.lower()[9:],
        industry=Industry.CHEMICALS,
        subdistrict=subdistrict,
        registered_capital="600000000",
        is_key=True,
        tags=["央企子公司，规上企业", "央企子公司"],
    )
    # Then the code is stored upper-case, the name trimmed, the tags split and de-duplicated
    enterprise.refresh_from_db()
    assert enterprise.uscc == VALID
    assert enterprise.name == "南通星辰合成材料有限公司"
    assert enterprise.registered_capital == Decimal("600000000.00")
    assert enterprise.created_by == clerk
    assert sorted(enterprise.tags.values_list("name", flat=True)) == ["央企子公司", "规上企业"]
    # And one audit row records the creation with the values set
    event = AuditEvent.objects.get(action="enterprises.enterprise_created")
    assert event.actor == clerk
    assert event.object_id == str(enterprise.pk)
    assert event.changes["uscc"] == [None, VALID]
    assert event.changes["is_key"] == [None, True]
    assert event.changes["tags"] == [None, ["央企子公司", "规上企业"]]


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        (_wrong_check(VALID), "Check digit is wrong."),
        ("91320691MA1MXC00", "A unified social credit code has 18 characters."),
        ("91320691MA1MXCO0" + "8" + "X", "The credit code contains characters not allowed (I, O, Z, S, V)."),
        ("", "This field is required."),
    ],
)
def test_bad_credit_code_is_refused_naming_uscc(clerk, subdistrict, uscc, message):
    # When the credit code is wrong
    with translation.override("en"), pytest.raises(DomainError) as raised:
        services.create_enterprise(
            actor=clerk, name="南通某公司", uscc=uscc, industry=Industry.OTHER, subdistrict=subdistrict
        )
    # Then the error names the field and nothing was written
    assert raised.value.field == "uscc"
    assert raised.value.errors == {"uscc": [message]}
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_credit_code_is_a_conflict(clerk, subdistrict):
    EnterpriseFactory(uscc=VALID, subdistrict=subdistrict)
    with pytest.raises(Conflict) as raised:
        services.create_enterprise(
            actor=clerk, name="另一家", uscc=VALID.lower(), industry=Industry.OTHER, subdistrict=subdistrict
        )
    assert raised.value.field == "uscc"
    assert Enterprise.objects.count() == 1


def test_every_bad_field_is_named_at_once(clerk, subdistrict):
    with pytest.raises(DomainError) as raised:
        services.create_enterprise(
            actor=clerk,
            name="",
            uscc=VALID,
            industry="steel",
            subdistrict=subdistrict,
            registered_capital="-1",
            established_on=dt.date(2999, 1, 1),
        )
    assert set(raised.value.errors) == {"name", "industry", "registered_capital", "established_on"}


def test_listed_enterprise_needs_a_board_and_unlisted_drops_it(clerk, subdistrict):
    with pytest.raises(DomainError) as raised:
        services.create_enterprise(
            actor=clerk, name="甲", uscc=VALID, industry=Industry.OTHER, subdistrict=subdistrict, is_listed=True
        )
    assert raised.value.field == "listing_board"
    enterprise = services.create_enterprise(
        actor=clerk,
        name="甲",
        uscc=VALID,
        industry=Industry.OTHER,
        subdistrict=subdistrict,
        is_listed=False,
        listing_board=ListingBoard.CHINEXT,
        ticker="300928",
    )
    assert (enterprise.listing_board, enterprise.ticker) == ("", "")


def test_create_outside_own_subdistrict_is_refused(clerk, other_subdistrict):
    with pytest.raises(DomainError) as raised:
        services.create_enterprise(
            actor=clerk, name="甲", uscc=VALID, industry=Industry.OTHER, subdistrict=other_subdistrict
        )
    assert raised.value.field == "subdistrict"
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_create_without_permission(nobody, subdistrict):
    with pytest.raises(PermissionDenied):
        services.create_enterprise(actor=nobody, name="甲", uscc=VALID, industry=Industry.OTHER)
    assert Enterprise.objects.count() == 0


def test_update_records_before_and_after(clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict, name="旧名", is_key=False)
    services.update_enterprise(actor=clerk, enterprise=enterprise, name="新名", is_key=True, tags=["保供"])
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.is_key) == ("新名", True)
    event = AuditEvent.objects.get(action="enterprises.enterprise_updated")
    assert event.changes == {"name": ["旧名", "新名"], "is_key": [False, True], "tags": [[], ["保供"]]}


def test_update_without_change_writes_no_audit(clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict, name="同名")
    services.update_enterprise(actor=clerk, enterprise=enterprise, name="同名")
    assert not AuditEvent.objects.filter(action="enterprises.enterprise_updated").exists()


def test_update_out_of_scope_is_not_found_and_changes_nothing(clerk, other_subdistrict):
    enterprise = EnterpriseFactory(subdistrict=other_subdistrict, name="别处")
    with pytest.raises(OutOfScope):
        services.update_enterprise(actor=clerk, enterprise=enterprise, name="改")
    enterprise.refresh_from_db()
    assert enterprise.name == "别处"


def test_moving_an_enterprise_out_of_scope_is_refused(clerk, subdistrict, other_subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    with pytest.raises(DomainError) as raised:
        services.update_enterprise(actor=clerk, enterprise=enterprise, subdistrict=other_subdistrict)
    assert raised.value.field == "subdistrict"
    enterprise.refresh_from_db()
    assert enterprise.subdistrict == subdistrict
    assert AuditEvent.objects.count() == 0


def test_update_to_a_taken_credit_code(clerk, subdistrict):
    EnterpriseFactory(uscc=make_uscc(1), subdistrict=subdistrict)
    enterprise = EnterpriseFactory(uscc=make_uscc(2), subdistrict=subdistrict)
    with pytest.raises(Conflict):
        services.update_enterprise(actor=clerk, enterprise=enterprise, uscc=make_uscc(1))
    enterprise.refresh_from_db()
    assert enterprise.uscc == make_uscc(2)


def test_close_and_reopen(clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    services.close_enterprise(actor=clerk, enterprise=enterprise, note="注销")
    enterprise.refresh_from_db()
    assert enterprise.status == EnterpriseStatus.CLOSED
    assert enterprise.closed_on is not None
    with pytest.raises(InvalidTransition):
        services.close_enterprise(actor=clerk, enterprise=enterprise)
    services.reopen_enterprise(actor=clerk, enterprise=enterprise)
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.closed_on) == (EnterpriseStatus.ACTIVE, None)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "changes"))
    assert actions == [
        ("enterprises.enterprise_closed", {"status": ["active", "closed"]}),
        ("enterprises.enterprise_reopened", {"status": ["closed", "active"]}),
    ]


def test_first_contact_becomes_primary_and_audit_keeps_mobile_masked(clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    first = services.add_contact(actor=clerk, enterprise=enterprise, name="庞小琳", mobile="138 6280 0818")
    second = services.add_contact(actor=clerk, enterprise=enterprise, name="周立新", mobile="13962811026")
    assert (first.is_primary, second.is_primary) == (True, False)
    first.refresh_from_db()
    assert first.mobile == "13862800818"
    event = AuditEvent.objects.filter(action="enterprises.contact_added").order_by("pk").first()
    assert event.changes["contact"][1]["mobile"] == "138****0818"
    assert "13862800818" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_new_primary_contact_replaces_the_old(clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    old = services.add_contact(actor=clerk, enterprise=enterprise, name="甲", mobile="13800000001")
    new = services.add_contact(actor=clerk, enterprise=enterprise, name="乙", mobile="13800000002", is_primary=True)
    old.refresh_from_db()
    assert (old.is_primary, new.is_primary) == (False, True)


def test_bad_mobile_is_refused(clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    with translation.override("en"), pytest.raises(DomainError) as raised:
        services.add_contact(actor=clerk, enterprise=enterprise, name="甲", mobile="1234")
    assert raised.value.errors == {"mobile": ["Enter an 11-digit mobile number starting with 1."]}
    assert EnterpriseContact.objects.count() == 0


def test_remove_primary_promotes_the_next(clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    primary = ContactFactory(enterprise=enterprise, is_primary=True)
    other = ContactFactory(enterprise=enterprise, is_primary=False)
    services.remove_contact(actor=clerk, contact=primary)
    other.refresh_from_db()
    assert other.is_primary is True
    assert AuditEvent.objects.get(action="enterprises.contact_removed").changes["contact"][1] is None


def test_set_contacts_replaces_keeps_and_names_bad_rows(clerk, subdistrict):
    enterprise = EnterpriseFactory(subdistrict=subdistrict)
    keep = ContactFactory(enterprise=enterprise, name="留", is_primary=True)
    drop = ContactFactory(enterprise=enterprise, name="删", is_primary=False)
    with pytest.raises(DomainError) as raised:
        services.set_contacts(
            actor=clerk,
            enterprise=enterprise,
            contacts=[services.ContactInput(name="新", mobile="bad")],
        )
    assert list(raised.value.errors) == ["contacts.0.mobile"]
    assert EnterpriseContact.objects.count() == 2
    result = services.set_contacts(
        actor=clerk,
        enterprise=enterprise,
        contacts=[
            services.ContactInput(id=keep.pk, name="留", mobile=keep.mobile),
            services.ContactInput(name="新", mobile="13900000000", is_primary=True),
        ],
    )
    assert [(c.name, c.is_primary) for c in result] == [("留", False), ("新", True)]
    assert not EnterpriseContact.objects.filter(pk=drop.pk).exists()
    assert AuditEvent.objects.filter(action="enterprises.contact_updated").count() == 1


def test_disclose_contacts_masks_without_permission(clerk, subdistrict):
    contact = ContactFactory(enterprise=EnterpriseFactory(subdistrict=subdistrict), mobile="13862800818")
    views = services.disclose_contacts(actor=clerk, contacts=[contact], enterprise=contact.enterprise)
    assert views[0].mobile == "138****0818"
    assert views[0].is_masked is True
    assert not AuditEvent.objects.filter(action="accounts.personal_data_viewed").exists()


def test_disclose_contacts_unmasked_is_audited(subdistrict):
    from zoneops.accounts.tests.factories import UserFactory, grant

    viewer = UserFactory()
    grant(viewer, "enterprises.view_enterprise", "accounts.view_personal_data")
    contact = ContactFactory(enterprise=EnterpriseFactory(subdistrict=subdistrict), mobile="13862800818")
    views = services.disclose_contacts(actor=viewer, contacts=[contact], enterprise=contact.enterprise)
    assert views[0].mobile == "13862800818"
    event = AuditEvent.objects.get(action="accounts.personal_data_viewed")
    assert event.actor == viewer
    assert event.object_id == str(contact.enterprise.pk)
    assert event.changes == {"enterprise_contacts": [contact.pk]}
