"""Pass benchmark (not a timed test): signs, verifications and QR drawings per second on one core.

Run:  ZONEOPS_TESTING=1 .venv/bin/python benchmarks/passes/bench.py [seconds-per-measure]
Pure-function path (zoneops.passes.cose), no database: the figures are what a verifier device or the
server's check costs before any logging. Target: >= 10,000 verifications per second per core.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zoneops.settings")

import segno

from zoneops.passes import cose


def rate(fn, seconds: float) -> float:
    """Calls per second of fn over about `seconds`."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            fn()
        count += 100
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def pdf_batch(payload: str, claims, kid_hex: str) -> dict:
    """Time one 142-card PDF (every card its own QR, as in a real batch): unsaved model objects, no database."""
    import django

    django.setup()
    from zoneops.accounts.models import Department
    from zoneops.passes import pdf
    from zoneops.passes.models import Pass, PassType

    department = Department(name="南通市开发区市场监督管理局", code="SCJ")
    pass_type = PassType(code="rider", name="外卖骑手疫情防控出入通行证明")
    passes = [
        Pass(
            serial=f"SCJ-R-2022-{i:04d}",
            pass_type=pass_type,
            department=department,
            holder_name=claims.holder_name,
            id_last4=claims.id_last4,
            affiliation=claims.affiliation,
            scope_codes=list(claims.scope),
            valid_from=claims.valid_from,
            valid_to=claims.valid_to,
            kid=kid_hex,
            payload=payload[:-4] + f"{i:04d}",  # a distinct QR per card (the signature does not matter here)
        )
        for i in range(142)
    ]
    start = time.perf_counter()
    data = pdf.render_cards(passes)
    seconds = time.perf_counter() - start
    return {"rate": len(passes) / seconds, "seconds": seconds, "bytes": len(data)}


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    private = cose.generate_private_key()
    kid = cose.kid_of(private.public_key())
    now = dt.datetime(2022, 4, 12, 1, 30, tzinfo=dt.UTC)
    claims = cose.Claims(
        "SCJ-R-2022-0001",
        "rider",
        "李嘉庆",
        "123X",
        now - dt.timedelta(days=1),
        now + dt.timedelta(days=29),
        "SCJ",
        ("ZX-GATES", "ROADS"),
        affiliation="美团外卖开发区竹行站",
    )
    payload = cose.encode_pass(claims, private, kid)
    trust = {kid: cose.TrustedKey(private.public_key(), frozenset({"rider"}))}
    state = cose.RevocationState(revoked=frozenset(f"SCJ-R-2022-{i:04d}" for i in range(2, 5000)), issued_at=now)
    checkpoint = cose.CheckpointInfo("ZYHY-N", frozenset({"ZX-GATES"}))
    assert cose.verify(payload, checkpoint, now, trust, state).reason == "ok"
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    raw_signature = private.sign(b"x", ec.ECDSA(hashes.SHA256()))
    public = private.public_key()
    results = {
        "raw OpenSSL ES256 verify /s": rate(
            lambda: public.verify(raw_signature, b"x", ec.ECDSA(hashes.SHA256())), seconds
        ),
        "sign+encode /s": rate(lambda: cose.encode_pass(claims, private, kid), seconds),
        "decode+verify (all checks) /s": rate(lambda: cose.verify(payload, checkpoint, now, trust, state), seconds),
        "garbage rejected /s": rate(lambda: cose.verify("ZP1:" + "A" * 300, checkpoint, now, trust, state), seconds),
        "QR SVG (segno, level Q) /s": rate(lambda: segno.make_qr(payload, error="q").svg_inline(scale=4), seconds),
    }
    qr = segno.make_qr(payload, error="q")
    cards = pdf_batch(payload, claims, kid.hex())
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(
        f"python {platform.python_version()} on {platform.machine()}, one core; payload {len(payload)} chars, "
        f"QR version {qr.version} level {qr.error} mode {qr.mode}"
    )
    for name, value in results.items():
        print(f"{name:32} {value:10,.0f}")
    print(
        f"{'A6 PDF cards, batch of 142 /s':32} {cards['rate']:10,.1f}   ({cards['seconds']:.2f} s, {cards['bytes']:,} bytes)"
    )


if __name__ == "__main__":
    main()
