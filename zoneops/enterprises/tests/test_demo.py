"""Demo enterprises: the seed's named ones, a valid deterministic crowd, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError

from zoneops.accounts.models import DataScope, Role
from zoneops.accounts.tests.factories import UserFactory
from zoneops.core.validators import validate_mobile, validate_uscc
from zoneops.enterprises import demo as enterprise_demo
from zoneops.enterprises.models import Enterprise, EnterpriseContact, ListingBoard, Tag
from zoneops.enterprises.selectors import visible_enterprises

pytestmark = pytest.mark.django_db


class _Demo:
    def __init__(self):
        self.objects = {}
        self.out = io.StringIO()

    def say(self, text):
        self.out.write(text + "\n")


def test_demo_builds_named_and_generated_enterprises_idempotently(subdistrict, other_subdistrict):
    # Given only two of the four agreed subdistricts exist, and the demo user "enterprise"
    user = UserFactory(username="enterprise", is_staff=False)
    demo = _Demo()
    enterprise_demo.build(demo)
    total = Enterprise.objects.count()
    contacts = EnterpriseContact.objects.count()
    tags = Tag.objects.count()
    # Then 7 named + 210 generated enterprises exist, every credit code and mobile valid
    assert total == 217
    for code in Enterprise.objects.values_list("uscc", flat=True):
        validate_uscc(code)
    for contact in EnterpriseContact.objects.all():
        validate_mobile(contact.mobile)
    huaan = Enterprise.objects.get(name="华安鑫创控股(北京)股份有限公司")
    assert (huaan.is_listed, huaan.listing_board, huaan.ticker) == (True, ListingBoard.CHINEXT, "300928")
    assert huaan.subdistrict is None  # ZXZ is missing here: left unassigned
    xingchen = Enterprise.objects.get(name="南通星辰合成材料有限公司")
    assert (xingchen.is_key, xingchen.is_supply_assured, xingchen.settled_on.year) == (True, True, 2008)
    assert xingchen.group_name == "中国中化控股有限责任公司"
    assert xingchen.subdistrict == other_subdistrict
    assert demo.objects["enterprises"]["xingchen"] == xingchen
    assert Enterprise.objects.filter(is_key=True).count() > 10
    assert Enterprise.objects.filter(is_supply_assured=True).count() > 5
    assert Enterprise.objects.filter(is_foreign_funded=True).count() > 10
    # And the demo user "enterprise" is 星辰's contact with a self-scoped role
    assert EnterpriseContact.objects.get(user=user).enterprise == xingchen
    role = Role.objects.get(code="enterprise_contact")
    assert role.data_scope == DataScope.SELF
    user.refresh_from_db()
    assert list(visible_enterprises(user)) == [xingchen]
    # When the demo runs again, nothing new is created
    enterprise_demo.build(_Demo())
    assert (Enterprise.objects.count(), EnterpriseContact.objects.count(), Tag.objects.count()) == (
        total,
        contacts,
        tags,
    )
    assert "217 in the registry (0 new)" in _last_say(enterprise_demo)


def _last_say(module) -> str:
    demo = _Demo()
    module.build(demo)
    return demo.out.getvalue()


def test_generated_codes_are_deterministic():
    import random

    first = [item["uscc"] for item in enterprise_demo._generated(random.Random(enterprise_demo.SEED))]
    second = [item["uscc"] for item in enterprise_demo._generated(random.Random(enterprise_demo.SEED))]
    assert first == second
    assert len(set(first)) == 210
    with pytest.raises(ValidationError):
        validate_uscc(first[0][:17] + ("0" if first[0][17] != "0" else "1"))
