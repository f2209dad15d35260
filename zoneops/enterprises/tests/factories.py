"""Factories for enterprises and contacts (credit codes with a correct check character)."""

from __future__ import annotations

import factory

from zoneops.accounts.models import DepartmentKind
from zoneops.accounts.tests.factories import DepartmentFactory
from zoneops.core.validators import USCC_ALPHABET, uscc_check_char
from zoneops.enterprises.models import Enterprise, EnterpriseContact, Industry


def make_uscc(n: int) -> str:
    """The n-th valid credit code of the test series."""
    digits = ""
    for _ in range(7):
        n, rest = divmod(n, len(USCC_ALPHABET))
        digits = USCC_ALPHABET[rest] + digits
    first17 = "91320691MA" + digits
    return first17 + uscc_check_char(first17)


class SubdistrictFactory(DepartmentFactory):
    """A subdistrict (街道)."""

    code = factory.Sequence(lambda n: f"SD{n:03d}")
    name = factory.Sequence(lambda n: f"街道{n}")
    kind = DepartmentKind.SUBDISTRICT


class EnterpriseFactory(factory.django.DjangoModelFactory):
    """An active enterprise in a subdistrict."""

    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"南通测试{n}科技有限公司")
    uscc = factory.Sequence(lambda n: make_uscc(n + 1000))
    legal_representative = "张三"
    industry = Industry.MANUFACTURING
    subdistrict = factory.SubFactory(SubdistrictFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    """A contact with a valid mobile."""

    class Meta:
        model = EnterpriseContact

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "经理"
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    is_primary = True
