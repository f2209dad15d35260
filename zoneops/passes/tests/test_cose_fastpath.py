"""The verifier's fast paths give exactly what the general code (cbor2, cryptography, the base45 package) gives."""

from __future__ import annotations

import datetime as dt
import importlib
import random

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from zoneops.passes import cose

NOW = dt.datetime(2022, 4, 12, 1, 30, tzinfo=dt.UTC)


def test_base45_decoder_matches_the_reference_package_on_random_data():
    rnd = random.Random(9285)
    for length in [*range(0, 40), 197, 220, 1100]:
        data = rnd.randbytes(length)
        assert cose.b45decode(base45.b45encode(data).decode()) == data


@pytest.mark.parametrize(
    "largest, too_large",
    [("FGW", "GGW"), ("000FGW", "000GGW"), ("FGW000", "GGW000"), ("000000FGW", "000000GGW"), ("FGWU5", "FGWV5")],
)
def test_base45_decoder_refuses_a_triple_over_ffff_or_a_pair_over_ff_anywhere(largest, too_large):
    # FGW = 65535 is the largest triple and GGW = 65536 too large; likewise U5 = 255 and V5 = 256 for a pair.
    assert cose.b45decode(largest) == base45.b45decode(largest)
    with pytest.raises(ValueError):
        cose.b45decode(too_large)


@pytest.mark.parametrize("protected_length", [0, 13, 23, 24, 255, 256])
@pytest.mark.parametrize("payload_length", [0, 23, 24, 255, 256, 65535, 65536])
def test_sig_structure_is_the_cbor_encoding(protected_length, payload_length):
    protected, payload = b"p" * protected_length, b"x" * payload_length
    assert cose._sig_structure(protected, payload) == cbor2.dumps(["Signature1", protected, b"", payload])


@pytest.mark.parametrize(
    "r, s",
    [
        (1, 1),
        (0, 5),
        (0x7F, 0x80),
        (2**255, 2**255 - 1),
        (2**256 - 1, 2**248),
        (2**248 - 1, 2**247),
        (5 << 240, 1 << 255),
    ],
)
def test_der_signature_is_what_cryptography_encodes(r, s):
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert cose._der_signature(raw) == encode_dss_signature(r, s)


def test_signature_check_with_der_written_here_accepts_and_refuses_as_before():
    private = cose.generate_private_key()
    kid = cose.kid_of(private.public_key())
    for body in (b"", b"a", b"x" * 400):
        message = cose.parse_sign1(cose.sign1(body, private, kid))
        assert cose.check_signature(message, private.public_key()) is True
        flipped = bytes([message.signature[0] ^ 1]) + message.signature[1:]
        assert cose.check_signature(cose.Sign1(message.protected, kid, body, flipped), private.public_key()) is False
    for signature in (bytes(64), b"\xff" * 64):
        assert cose.check_signature(cose.Sign1(message.protected, kid, body, signature), private.public_key()) is False


def test_protected_header_shortcut_only_takes_the_exact_form_sign1_writes():
    kid = b"12345678"
    payload, signature = b"claims", b"s" * 64

    def parsed(protected):
        return cose.parse_sign1(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])))

    assert parsed(cbor2.dumps({1: -7, 4: kid})).kid == kid  # the shortcut
    assert parsed(cbor2.dumps({4: kid, 1: -7})).kid == kid  # the general decoder
    assert parsed(cbor2.dumps({1: -7, 4: kid}) + b"\x00").kid == kid  # cbor2 ignores trailing bytes, as before
    for refused in (
        cbor2.dumps({1: -35, 4: kid}),
        cbor2.dumps({1: -7, 4: kid[:7]}),
        b"\xa2\x01\x26\x04\x48" + kid[:7],
        b"",
    ):
        with pytest.raises(cose.FormatError):
            parsed(refused)


def _claims_map(changes):
    claims = cose.Claims(
        "SCJ-R-2022-0001", "rider", "李嘉庆", "123X", NOW, NOW + dt.timedelta(days=1), "SCJ", ("A", "B"), plate="苏F1"
    )
    raw = cbor2.loads(claims.to_cbor())
    raw.update(changes)
    return {key: value for key, value in raw.items() if value is not None}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {3: "名" * 300},
        {3: "名" * 200, 11: "a" * 200},  # each at most 300 though together more
        {7: ()},
        {7: []},
        {5: None, 6: "G15"},
    ],
)
def test_claims_hot_path_gives_what_the_general_path_gives(changes):
    data = cbor2.dumps(_claims_map(changes))
    assert cose.Claims.from_cbor(data) == cose.Claims._from_map(cbor2.loads(data))


@pytest.mark.parametrize(
    "changes",
    [{1: None}, {3: "名" * 301}, {8: True}, {9: -1}, {9: 2**34}, {9: 1.5}, {7: ["A", 1]}, {7: "A"}, {5: 5}, {11: b"x"}],
)
def test_claims_hot_path_refuses_what_the_general_path_refuses(changes):
    data = cbor2.dumps(_claims_map(changes))
    with pytest.raises(cose.FormatError) as general:
        cose.Claims._from_map(cbor2.loads(data))
    with pytest.raises(cose.FormatError) as hot:
        cose.Claims.from_cbor(data)
    assert str(hot.value) == str(general.value)


def test_cbor2_uses_its_c_extension():
    importlib.import_module("cbor2._cbor2")  # ImportError: the pure-Python decoder, several times slower
    assert type(cbor2.loads).__name__ == "builtin_function_or_method"


@pytest.mark.parametrize("payload_length", [0, 23, 24, 255, 256, 1100])
def test_envelope_by_slicing_gives_what_cbor2_decodes(payload_length):
    private = cose.generate_private_key()
    kid = cose.kid_of(private.public_key())
    signed = cose.sign1(b"c" * payload_length, private, kid)
    assert cose._split_as_signed(signed) is not None
    protected, unprotected, payload, signature = cbor2.loads(signed).value
    assert cose.parse_sign1(signed) == cose.Sign1(protected, kid, payload, signature)
    assert cose._split_as_signed(signed + b"\x00") is None  # cbor2 then decodes it, ignoring the trailing byte
    assert cose.parse_sign1(signed + b"\x00") == cose.parse_sign1(signed)
    for broken in (signed[:-1], signed[:17], b"\x84" + signed[1:], signed[:16] + b"\xa1" + signed[17:]):
        assert cose._split_as_signed(broken) is None
        with pytest.raises(cose.FormatError):
            cose.parse_sign1(broken)
