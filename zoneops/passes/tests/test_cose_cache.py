"""The verifier's cache of verified signatures: a repeat skips only the ES256 check, never the other checks."""

from __future__ import annotations

import datetime as dt

import pytest

from zoneops.passes import cose
from zoneops.passes.tests.test_vectors import _document
from zoneops.passes.tests.test_vectors import _trust as _trust_of_jwks

NOW = dt.datetime(2022, 4, 12, 1, 30, tzinfo=dt.UTC)
GATE = cose.CheckpointInfo("ZYHY-N", frozenset({"ZX-GATES"}))
FRESH_LISTS = cose.RevocationState(issued_at=NOW)


@pytest.fixture(autouse=True)
def empty_cache():
    cose.clear_verified_cache()
    yield
    cose.clear_verified_cache()


@pytest.fixture
def signature_checks(monkeypatch):
    """Counts the ES256 checks verify() makes."""
    calls = []
    real = cose.check_signature

    def counting(message, public_key):
        calls.append(message.kid)
        return real(message, public_key)

    monkeypatch.setattr(cose, "check_signature", counting)
    return calls


def _key():
    private = cose.generate_private_key()
    return private, cose.kid_of(private.public_key())


def _pass(private, kid, serial="SCJ-R-2022-0001", **changes) -> str:
    claims = {
        "serial": serial,
        "type": "rider",
        "holder_name": "李嘉庆",
        "id_last4": "123X",
        "valid_from": NOW - dt.timedelta(days=1),
        "valid_to": NOW + dt.timedelta(days=1),
        "issuer": "SCJ",
        "scope": ("ZX-GATES",),
    } | changes
    return cose.encode_pass(cose.Claims(**claims), private, kid)


def _trust(private, kid, types=("rider",)):
    return {kid: cose.TrustedKey(private.public_key(), frozenset(types))}


def test_a_repeat_skips_only_the_signature_check_and_gives_the_same_result(signature_checks):
    private, kid = _key()
    payload = _pass(private, kid)
    trust = _trust(private, kid)
    first = cose.verify(payload, GATE, NOW, trust, FRESH_LISTS)
    second = cose.verify(payload, GATE, NOW, trust, FRESH_LISTS)
    assert (first.valid, first.reason) == (second.valid, second.reason) == (True, "ok")
    assert second.claims == first.claims
    assert signature_checks == [kid]
    assert cose.verified_cache_info() == {"hits": 1, "misses": 1, "size": 1, "maxsize": cose.VERIFIED_CACHE_SIZE}


def test_every_other_check_still_runs_on_a_remembered_pass(signature_checks):
    private, kid = _key()
    payload = _pass(private, kid)
    trust = _trust(private, kid)
    assert cose.verify(payload, GATE, NOW, trust, FRESH_LISTS).reason == "ok"

    def reason(checkpoint=GATE, now=NOW, trusted=trust, lists=FRESH_LISTS):
        return cose.verify(payload, checkpoint, now, trusted, lists).reason

    assert reason(trusted=_trust(private, kid, types=("freight",))) == "key_not_allowed"
    assert reason(lists=cose.RevocationState(issued_at=NOW - dt.timedelta(hours=73))) == "stale_lists"
    assert cose.verify(payload, GATE, NOW, trust, cose.RevocationState(issued_at=NOW - dt.timedelta(hours=30))).amber
    assert reason(lists=cose.RevocationState(revoked=frozenset({"SCJ-R-2022-0001"}))) == "revoked"
    assert reason(lists=cose.RevocationState(suspended=frozenset({"SCJ-R-2022-0001"}))) == "suspended"
    assert reason(now=NOW - dt.timedelta(days=1, minutes=6)) == "not_yet_valid"
    assert reason(now=NOW + dt.timedelta(days=1, minutes=6)) == "expired"
    assert reason(checkpoint=cose.CheckpointInfo("G15-NT")) == "out_of_scope"
    assert reason() == "ok"
    assert signature_checks == [kid]


def test_a_withdrawn_key_refuses_a_remembered_pass_and_forgets_it(signature_checks):
    private, kid = _key()
    payload = _pass(private, kid)
    assert cose.verify(payload, GATE, NOW, _trust(private, kid), FRESH_LISTS).reason == "ok"

    assert cose.verify(payload, GATE, NOW, {}, FRESH_LISTS).reason == "unknown_key"

    assert cose.verified_cache_info()["size"] == 0
    assert cose.verify(payload, GATE, NOW, _trust(private, kid), FRESH_LISTS).reason == "ok"
    assert signature_checks == [kid, kid]


def test_the_same_kid_naming_another_key_checks_the_signature_again(signature_checks):
    private, kid = _key()
    payload = _pass(private, kid)
    assert cose.verify(payload, GATE, NOW, _trust(private, kid), FRESH_LISTS).reason == "ok"
    impostor, _other_kid = _key()

    result = cose.verify(
        payload, GATE, NOW, {kid: cose.TrustedKey(impostor.public_key(), frozenset({"rider"}))}, FRESH_LISTS
    )

    assert (result.valid, result.reason) == (False, "bad_signature")
    assert signature_checks == [kid, kid]


def test_an_equal_public_key_object_is_the_same_key(signature_checks):
    private, kid = _key()
    payload = _pass(private, kid)
    assert cose.verify(payload, GATE, NOW, _trust(private, kid), FRESH_LISTS).reason == "ok"
    same_key = cose.load_public_pem(cose.public_pem(private.public_key()))
    trust = {kid: cose.TrustedKey(same_key, frozenset({"rider"}))}

    assert cose.verify(payload, GATE, NOW, trust, FRESH_LISTS).reason == "ok"

    assert signature_checks == [kid]


def test_failures_are_never_remembered(signature_checks):
    private, kid = _key()
    forged = _pass(private, kid)[:-6] + "000000"
    trust = _trust(private, kid)
    for _ in range(2):
        assert cose.verify(forged, GATE, NOW, trust, FRESH_LISTS).reason in {"bad_signature", "bad_format"}
        assert cose.verify(_pass(*_key()), GATE, NOW, trust, FRESH_LISTS).reason == "unknown_key"
    assert cose.verified_cache_info()["size"] == 0


def test_the_cache_is_bounded_and_forgets_the_least_recently_used(monkeypatch, signature_checks):
    monkeypatch.setattr(cose._verified, "maxsize", 2)
    private, kid = _key()
    trust = _trust(private, kid)
    first, second, third = (_pass(private, kid, serial=f"SCJ-R-2022-000{i}") for i in (1, 2, 3))
    for payload in (first, second, first, third):  # `first` used again, so `second` is the oldest when `third` comes
        assert cose.verify(payload, GATE, NOW, trust, FRESH_LISTS).reason == "ok"
    assert len(signature_checks) == 3

    assert cose.verify(first, GATE, NOW, trust, FRESH_LISTS).reason == "ok"
    assert len(signature_checks) == 3
    assert cose.verify(second, GATE, NOW, trust, FRESH_LISTS).reason == "ok"
    assert len(signature_checks) == 4
    assert cose.verified_cache_info()["size"] == 2


@pytest.mark.parametrize("payload", [None, 12, ["ZP1:"], b"ZP1:", {"a": 1}])
def test_non_text_payloads_are_bad_format_and_never_cached(payload):
    private, kid = _key()
    assert cose.verify(payload, GATE, NOW, _trust(private, kid), FRESH_LISTS).reason == "bad_format"
    assert cose.verified_cache_info()["size"] == 0


def test_the_vectors_file_gives_the_same_reasons_when_every_vector_comes_again():
    document = _document()
    now = dt.datetime.fromtimestamp(document["now"], tz=dt.UTC)
    trust = _trust_of_jwks(document["jwks"])

    def reasons():
        got = {}
        for vector in document["vectors"]:
            info = document["checkpoints"][vector["checkpoint"]]
            lists = cose.RevocationState(
                revoked=frozenset(vector["revoked"]),
                suspended=frozenset(vector["suspended"]),
                issued_at=now - dt.timedelta(hours=vector["lists_age_hours"]),
            )
            checkpoint = cose.CheckpointInfo(info["code"], frozenset(info["areas"]))
            got[vector["name"]] = cose.verify(vector["payload"], checkpoint, now, trust, lists).reason
        return got

    expected = {v["name"]: v["reason"] for v in document["vectors"]}
    assert reasons() == expected
    hits = cose.verified_cache_info()["hits"]
    assert reasons() == expected
    signed = [name for name, reason in expected.items() if reason not in {"bad_format", "unknown_key", "bad_signature"}]
    assert cose.verified_cache_info()["hits"] - hits == len(signed) == 10
