"""Test vectors in the manner of the EU DCC test data: one QR string per failure, with the expected reason.

`build_vectors` takes keys so that the tests (with keys in the database) and any other verifier can run
the same cases; each vector names the checkpoint, the lists' age and the serials the lists revoke.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import base45
import cbor2

from zoneops.passes import cose


@dataclass(frozen=True)
class Vector:
    """One case: scan `payload` at `checkpoint` at `now` with lists `lists_age_hours` old → `reason`."""

    name: str
    payload: str
    reason: str
    checkpoint: str = "ZYHY-N"
    lists_age_hours: float = 1.0
    revoked: tuple[str, ...] = ()
    suspended: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class VectorKeys:
    """The trusted rider key, a trusted key not allowed for riders, and a key nobody trusts."""

    rider: tuple[object, bytes]
    freight_only: tuple[object, bytes]
    unknown: tuple[object, bytes]
    extra: dict = field(default_factory=dict)


def _claims(now: dt.datetime, **changes) -> cose.Claims:
    base = {
        "serial": "SCJ-R-2022-9001",
        "type": "rider",
        "holder_name": "李嘉庆",
        "id_last4": "123X",
        "valid_from": now - dt.timedelta(days=1),
        "valid_to": now + dt.timedelta(days=29),
        "issuer": "SCJ",
        "scope": ("ZX-GATES",),
        "affiliation": "美团外卖竹行站",
    }
    base.update(changes)
    return cose.Claims(**base)


def _altered_claim(payload: str) -> str:
    """Re-encode the pass with the holder name changed and the original signature kept."""
    message = cose.decode_qr(payload)
    claims = cbor2.loads(message.payload)
    claims[cose.C_NAME] = "王五"
    forged = cbor2.dumps(cbor2.CBORTag(18, [message.protected, {}, cbor2.dumps(claims), message.signature]))
    return cose.PREFIX + base45.b45encode(forged).decode()


def _flip_signature(payload: str) -> str:
    message = cose.decode_qr(payload)
    signature = bytes([message.signature[0] ^ 0x01]) + message.signature[1:]
    forged = cbor2.dumps(cbor2.CBORTag(18, [message.protected, {}, message.payload, signature]))
    return cose.PREFIX + base45.b45encode(forged).decode()


def build_vectors(keys: VectorKeys, now: dt.datetime) -> list[Vector]:
    """The vectors, signed now."""
    rider_key, rider_kid = keys.rider
    freight_key, freight_kid = keys.freight_only
    unknown_key, unknown_kid = keys.unknown
    valid = cose.encode_pass(_claims(now), rider_key, rider_kid)
    body = valid[len(cose.PREFIX) :]
    return [
        Vector("valid", valid, "ok"),
        Vector("valid_lists_30h_old_amber", valid, "ok", lists_age_hours=30),
        Vector("bad_prefix", "HC1:" + body, "bad_format"),
        Vector("no_prefix", body, "bad_format"),
        Vector("bad_base45", cose.PREFIX + "%%%%::::" + body[8:], "bad_format"),
        Vector("bad_cbor", cose.PREFIX + base45.b45encode(b"\xff\x00garbage").decode(), "bad_format"),
        Vector("truncated", valid[: len(valid) // 2], "bad_format"),
        Vector("oversized", cose.PREFIX + "A" * 5000, "bad_format"),
        Vector("empty", "", "bad_format"),
        Vector("altered_claim", _altered_claim(valid), "bad_signature"),
        Vector("bad_signature", _flip_signature(valid), "bad_signature"),
        Vector("unknown_kid", cose.encode_pass(_claims(now), unknown_key, unknown_kid), "unknown_key"),
        Vector(
            "key_not_allowed_for_type",
            cose.encode_pass(_claims(now, serial="SCJ-R-2022-9002"), freight_key, freight_kid),
            "key_not_allowed",
        ),
        Vector(
            "not_yet_valid",
            cose.encode_pass(
                _claims(now, valid_from=now + dt.timedelta(hours=2), valid_to=now + dt.timedelta(days=3)),
                rider_key,
                rider_kid,
            ),
            "not_yet_valid",
        ),
        Vector(
            "within_skew_not_yet_valid_is_ok",
            cose.encode_pass(_claims(now, valid_from=now + dt.timedelta(minutes=4)), rider_key, rider_kid),
            "ok",
        ),
        Vector(
            "expired",
            cose.encode_pass(
                _claims(now, valid_from=now - dt.timedelta(days=30), valid_to=now - dt.timedelta(minutes=6)),
                rider_key,
                rider_kid,
            ),
            "expired",
        ),
        Vector("out_of_scope", valid, "out_of_scope", checkpoint="G15-NT"),
        Vector("revoked", valid, "revoked", revoked=("SCJ-R-2022-9001",)),
        Vector("suspended", valid, "suspended", suspended=("SCJ-R-2022-9001",)),
        Vector("stale_lists", valid, "stale_lists", lists_age_hours=73),
    ]


def run_vector(vector: Vector, now: dt.datetime, trust, checkpoints: dict[str, cose.CheckpointInfo]) -> cose.Result:
    """Verify one vector as a verifier holding `trust` and lists of the vector's age would."""
    state = cose.RevocationState(
        revoked=frozenset(vector.revoked),
        suspended=frozenset(vector.suspended),
        issued_at=now - dt.timedelta(hours=vector.lists_age_hours),
    )
    return cose.verify(vector.payload, checkpoints[vector.checkpoint], now, trust, state)
