"""manage.py pass_vectors [--out PATH]: write the shared test vectors (fixed test keys, never real ones)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand

from zoneops.passes import cose
from zoneops.passes.vectors import VectorKeys, build_vectors

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "vectors.json"
NOW = dt.datetime(2022, 4, 12, 1, 30, tzinfo=dt.UTC)
# Fixed private scalars of the TEST keys (public in the repository on purpose; no real pass uses them).
TEST_SCALARS = {
    "rider": 0x5A4F4E454F50532D52494445522D54455354,
    "freight_only": 0x46524549474854,
    "unknown": 0x554E4B4E4F574E,
}


def _jwk(private: ec.EllipticCurvePrivateKey, kid: bytes, types: list[str]) -> dict:
    numbers = private.public_key().public_numbers()
    from zoneops.passes.services import b64url

    return {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
        "kid": b64url(kid),
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
        "pass_types": types,
    }


def vector_document() -> dict:
    """Vectors, the trusted JWKS (rider key; freight-only key) and the checkpoints they are scanned at."""
    pairs = {}
    for name, scalar in TEST_SCALARS.items():
        private = ec.derive_private_key(scalar, ec.SECP256R1())
        pairs[name] = (private, cose.kid_of(private.public_key()))
    vectors = build_vectors(VectorKeys(pairs["rider"], pairs["freight_only"], pairs["unknown"]), NOW)
    return {
        "description": "ZoneOps pass test vectors; see docs/passes.md. Scan each payload at `checkpoint` at `now`.",
        "now": int(NOW.timestamp()),
        "jwks": {"keys": [_jwk(*pairs["rider"], ["rider"]), _jwk(*pairs["freight_only"], ["freight"])]},
        "checkpoints": {
            "ZYHY-N": {"code": "ZYHY-N", "areas": ["ZX-GATES"]},
            "G15-NT": {"code": "G15-NT", "areas": ["HWY"]},
        },
        "vectors": [v.as_dict() for v in vectors],
    }


class Command(BaseCommand):
    help = "Write the pass test vectors JSON (fixed test keys)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(DEFAULT_OUT))

    def handle(self, *args, **options):
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        document = vector_document()
        out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.stdout.write(f"wrote {len(document['vectors'])} vectors to {out}")
