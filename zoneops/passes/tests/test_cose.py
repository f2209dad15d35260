"""The pass format and the verifier: COSE_Sign1, ES256, Base45, and the test vectors."""

from __future__ import annotations

import datetime as dt
import os
import stat

import base45
import cbor2
import pytest

from zoneops.passes import cose, keys, services
from zoneops.passes.models import SigningKey
from zoneops.passes.vectors import VectorKeys, build_vectors, run_vector

NOW = dt.datetime(2022, 4, 12, 1, 30, tzinfo=dt.UTC)


def _key():
    private = cose.generate_private_key()
    return private, cose.kid_of(private.public_key())


def test_sign1_has_es256_and_kid_in_protected_header_and_raw_64_byte_signature():
    private, kid = _key()
    payload = cose.encode_pass(
        cose.Claims("SCJ-R-2022-0001", "rider", "李嘉庆", "123X", NOW, NOW + dt.timedelta(days=1), "SCJ", ("A",)),
        private,
        kid,
    )
    assert payload.startswith("ZP1:")
    tagged = cbor2.loads(base45.b45decode(payload[4:]))
    assert tagged.tag == 18
    protected, unprotected, body, signature = tagged.value
    assert cbor2.loads(protected) == {1: -7, 4: kid}
    assert unprotected == {}
    assert len(signature) == 64
    assert cbor2.loads(body)[1] == "SCJ-R-2022-0001"
    assert 3 not in cbor2.loads(body) or cbor2.loads(body)[3] == "李嘉庆"
    assert len(payload) < 400


def test_claims_round_trip_and_id_number_never_in_the_qr():
    claims = cose.Claims(
        "SCJ-F-2022-0001",
        "freight",
        "陈师傅",
        "4321",
        NOW,
        NOW + dt.timedelta(days=7),
        "SCJ",
        ("G15-NT",),
        plate="苏F12345",
        route="G15→星辰",
        affiliation="南通星辰合成材料",
    )
    assert cose.Claims.from_cbor(claims.to_cbor()) == claims


@pytest.fixture
def vector_world(db, scj, checkpoints, scj_key):
    """Trusted keys as the database publishes them, plus a freight-only key and an untrusted one."""
    freight_only = services.create_signing_key(actor=None, department=scj, allowed_types=["freight"])
    unknown_private, unknown_kid = _key()
    vector_keys = VectorKeys(
        rider=(keys.load_private_key(scj_key.kid), bytes.fromhex(scj_key.kid)),
        freight_only=(keys.load_private_key(freight_only.kid), bytes.fromhex(freight_only.kid)),
        unknown=(unknown_private, unknown_kid),
    )
    infos = {code: services.checkpoint_info(cp) for code, cp in checkpoints.items()}
    return vector_keys, infos


def test_every_vector_gives_its_reason_on_the_server_verifier(vector_world):
    vector_keys, infos = vector_world
    trust = services.trusted_keys()
    vectors = build_vectors(vector_keys, NOW)
    assert len(vectors) == 20
    results = {v.name: run_vector(v, NOW, trust, infos) for v in vectors}
    assert {name: r.reason for name, r in results.items()} == {v.name: v.reason for v in vectors}
    assert [name for name, r in results.items() if r.valid] == [
        "valid",
        "valid_lists_30h_old_amber",
        "within_skew_not_yet_valid_is_ok",
    ]
    assert results["valid_lists_30h_old_amber"].amber is True
    assert results["valid"].amber is False
    assert results["valid"].pass_info()["holder_name"] == "李嘉庆"


def test_expired_within_five_minutes_skew_is_still_green(vector_world):
    vector_keys, infos = vector_world
    private, kid = vector_keys.rider
    payload = cose.encode_pass(
        cose.Claims(
            "SCJ-R-2022-0005",
            "rider",
            "李嘉庆",
            "123X",
            NOW - dt.timedelta(days=1),
            NOW - dt.timedelta(minutes=4),
            "SCJ",
            ("ZX-GATES",),
        ),
        private,
        kid,
    )
    state = cose.RevocationState(issued_at=NOW)
    assert cose.verify(payload, infos["ZYHY-N"], NOW, services.trusted_keys(), state).reason == "ok"
    assert (
        cose.verify(payload, infos["ZYHY-N"], NOW + dt.timedelta(minutes=2), services.trusted_keys(), state).reason
        == "expired"
    )


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        12,
        b"ZP1:",
        "ZP1:",
        "ZP1:" + "\x00" * 10,
        "ZP1:" + "0" * 1495,
        "ZP1:%%%",
        "ZP1:" + base45.b45encode(cbor2.dumps([1, 2])).decode(),
        "ZP1:" + base45.b45encode(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"", b""]))).decode(),
        "ZP1:"
        + base45.b45encode(
            cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -7, 4: b"12345678"}), {}, b"x", b"s" * 64]))
        ).decode(),
    ],
)
def test_garbage_is_a_red_result_never_a_crash(vector_world, garbage):
    _vector_keys, infos = vector_world
    result = cose.verify(garbage, infos["ZYHY-N"], NOW, services.trusted_keys(), cose.RevocationState())
    assert result.valid is False
    assert result.reason in {"bad_format", "unknown_key"}


def test_signed_garbage_claims_are_bad_format_not_a_crash(vector_world):
    vector_keys, infos = vector_world
    private, kid = vector_keys.rider
    for body in (
        b"\xff",
        cbor2.dumps([1]),
        cbor2.dumps({1: 5}),
        cbor2.dumps({1: "s", 2: "rider", 3: "n", 4: "1", 8: "x", 9: 1, 10: "S"}),
    ):
        payload = cose.PREFIX + base45.b45encode(cose.sign1(body, private, kid)).decode()
        result = cose.verify(payload, infos["ZYHY-N"], NOW, services.trusted_keys(), cose.RevocationState())
        assert (result.valid, result.reason) == (False, "bad_format")


def test_private_keys_are_0600_files_outside_the_database(scj_key, key_dir):
    path = key_dir / f"{scj_key.kid}.pem"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "PRIVATE" in path.read_text()
    row = SigningKey.objects.get(kid=scj_key.kid)
    assert "PRIVATE" not in row.public_key_pem
    assert len(bytes.fromhex(row.kid)) == 8


def test_pass_keys_command_creates_rotates_and_withdraws(scj, rider_type, key_dir):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("pass_keys", "create", "SCJ", "rider", stdout=out)
    first = SigningKey.objects.get(purpose="pass")
    call_command("pass_keys", "create", "SCJ", "rider", stdout=out)
    assert SigningKey.objects.filter(purpose="pass", retired_at__isnull=True).exclude(pk=first.pk).count() == 1
    call_command("pass_keys", "withdraw", first.kid, stdout=out)
    call_command("pass_keys", "list", stdout=out)
    text = out.getvalue()
    assert f"{first.kid}  SCJ      rider                withdrawn no private key here" in text
    assert not (key_dir / f"{first.kid}.pem").exists()


@pytest.mark.parametrize("data", [b"", b"\x00", b"AB", b"ietf!", b"\xff\xff\xff", bytes(range(256))])
def test_own_base45_decoder_matches_the_reference_package(data):
    assert cose.b45decode(base45.b45encode(data).decode()) == data


@pytest.mark.parametrize("text", ["A", "GGW", "ZZZ", "::", "ab", "€€"])
def test_own_base45_decoder_rejects_what_rfc_9285_forbids(text):
    with pytest.raises(ValueError):
        cose.b45decode(text)
