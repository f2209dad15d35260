"""Encryption at rest, search digests, masks, and the personal-data model fields."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from zoneops.accounts.models import User
from zoneops.accounts.tests.factories import UserFactory
from zoneops.core import crypto

# --- encryption ---------------------------------------------------------------------------------


def test_round_trip():
    token = crypto.encrypt("13812345678")
    assert token.startswith("v1:")
    assert "13812345678" not in token
    assert crypto.decrypt(token) == "13812345678"


def test_round_trip_of_chinese_text():
    assert crypto.decrypt(crypto.encrypt("张小明 江苏省南通市")) == "张小明 江苏省南通市"


def test_each_encryption_uses_a_fresh_nonce():
    assert crypto.encrypt("13812345678") != crypto.encrypt("13812345678")


def test_tampered_ciphertext_is_refused():
    token = crypto.encrypt("13812345678")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(InvalidTag):
        crypto.decrypt(flipped)


def test_plain_text_is_not_mistaken_for_ciphertext():
    with pytest.raises(ValueError, match="not an encrypted value"):
        crypto.decrypt("13812345678")


def test_another_key_cannot_decrypt(settings):
    token = crypto.encrypt("13812345678")
    settings.DATA_ENCRYPTION_KEY = "another-key-entirely"
    with pytest.raises(InvalidTag):
        crypto.decrypt(token)


# --- digests ------------------------------------------------------------------------------------


def test_digest_is_stable_and_normalised():
    one = crypto.digest("13812345678")
    assert len(one) == 64
    assert crypto.digest("13812345678") == one
    assert crypto.digest(" 138 1234 5678 ") == one
    assert crypto.digest("11010519491231002x") == crypto.digest("11010519491231002X")
    assert crypto.digest("13812345679") != one


def test_digest_depends_on_the_key(settings):
    before = crypto.digest("13812345678")
    settings.DATA_ENCRYPTION_KEY = "another-key-entirely"
    assert crypto.digest("13812345678") != before


# --- masks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("masker", "value", "expected"),
    [
        (crypto.mask_mobile, "13812345678", "138****5678"),
        (crypto.mask_mobile, "123456", "******"),
        (crypto.mask_mobile, "8512345", "***2345"),  # a 7-digit landline is not shown in full
        (crypto.mask_mobile, "051385123456", "051*****3456"),
        (crypto.mask_mobile, "", ""),
        (crypto.mask_mobile, None, ""),
        (crypto.mask_id_number, "320602198001011234", "3206**********1234"),
        (crypto.mask_id_number, "11010519491231002X", "1101**********002X"),
        (crypto.mask_id_number, "123456", "******"),
        (crypto.mask_id_number, "E12345678", "*****5678"),  # a passport number is not shown in full
        (crypto.mask_id_number, "320602800101123", "3206*******1123"),  # old 15-digit ID
        (crypto.mask_name, "张小明", "张*明"),
        (crypto.mask_name, "李四", "李*"),
        (crypto.mask_name, "欧阳娜娜", "欧**娜"),
        (crypto.mask_name, "", ""),
    ],
)
def test_masks(masker, value, expected):
    assert masker(value) == expected


# --- PersonalDataField and DigestField (accounts.User.mobile / mobile_digest) -------------------


def _raw_row(user: User) -> tuple[str, str]:
    table = User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT mobile, mobile_digest FROM {table} WHERE id = %s", [user.pk])
        return cursor.fetchone()


@pytest.mark.django_db
def test_personal_data_is_ciphertext_in_the_database_and_plain_in_python():
    user = UserFactory(mobile="13812345678")

    stored, stored_digest = _raw_row(user)

    assert stored.startswith("v1:")
    assert "13812345678" not in stored
    assert crypto.decrypt(stored) == "13812345678"
    assert stored_digest == crypto.digest("13812345678")
    assert User.objects.get(pk=user.pk).mobile == "13812345678"
    assert User.objects.get(mobile_digest=crypto.digest("138 1234 5678")) == user
    assert User._meta.get_field("mobile").masked(user.mobile) == "138****5678"


@pytest.mark.django_db
def test_empty_personal_data_stays_empty():
    user = UserFactory(mobile="")
    assert _raw_row(user) == ("", "")
    assert User.objects.get(pk=user.pk).mobile == ""


@pytest.mark.django_db
def test_digest_follows_a_changed_value_on_save():
    user = UserFactory(mobile="13812345678")
    user.mobile = "13987654321"
    user.save()

    stored, stored_digest = _raw_row(user)
    assert crypto.decrypt(stored) == "13987654321"
    assert stored_digest == crypto.digest("13987654321")


@pytest.mark.django_db
def test_digest_follows_even_when_only_the_source_is_in_update_fields():
    user = UserFactory(mobile="13812345678")
    user.mobile = "13987654321"
    user.save(update_fields=["mobile"])

    stored, stored_digest = _raw_row(user)
    assert crypto.decrypt(stored) == "13987654321"
    assert stored_digest == crypto.digest("13987654321")
    assert user.mobile_digest == stored_digest


@pytest.mark.django_db
def test_clearing_the_value_clears_the_digest():
    user = UserFactory(mobile="13812345678")
    user.mobile = ""
    user.save(update_fields=["mobile"])
    assert _raw_row(user) == ("", "")
