"""Pass benchmark (not a timed test): signs, verifications and QR drawings per second on one core.

Run:  ZONEOPS_TESTING=1 .venv/bin/python benchmarks/passes/bench.py [seconds-per-measure]
Pure-function path (zoneops.passes.cose), no database: the figures are what a verifier device or the
server's check costs before any logging. Target: >= 10,000 verifications per second per core, for passes
all distinct (the headline: nothing comes from the cache of verified signatures); a realistic mix with
80 % repeats is measured too. `openssl speed ecdsap256` runs on the same core in the same run as the ceiling.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zoneops.settings")

import cbor2
import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

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


def openssl_speed(seconds: float) -> dict[str, float] | None:
    """`openssl speed ecdsap256` on the same core, in the same run: sign/s and verify/s, or None without openssl."""
    if shutil.which("openssl") is None:
        return None
    out = subprocess.run(
        ["openssl", "speed", "-seconds", str(max(1, round(seconds))), "ecdsap256"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    for line in out.splitlines():
        if "(nistp256)" in line:
            fields = line.split()
            return {"sign": float(fields[-2]), "verify": float(fields[-1])}
    return None


def cycling(items: list) -> Callable[[], object]:
    """A function returning the items in turn, forever."""
    return itertools.cycle(items).__next__


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core (openssl speed inherits it)
    load_before = os.getloadavg()[0]
    private = cose.generate_private_key()
    kid = cose.kid_of(private.public_key())
    now = dt.datetime(2022, 4, 12, 1, 30, tzinfo=dt.UTC)

    def claims_of(serial: str) -> cose.Claims:
        return cose.Claims(
            serial,
            "rider",
            "李嘉庆",
            "123X",
            now - dt.timedelta(days=1),
            now + dt.timedelta(days=29),
            "SCJ",
            ("ZX-GATES", "ROADS"),
            affiliation="美团外卖开发区竹行站",
        )

    claims = claims_of("SCJ-R-2022-0001")
    payload = cose.encode_pass(claims, private, kid)
    # Twice as many distinct passes as the cache holds, used in turn: every one has left the LRU before it
    # comes again, so each call is a miss that pays the full check plus the cache's own bookkeeping.
    pool_size = 2 * cose.VERIFIED_CACHE_SIZE
    distinct = [cose.encode_pass(claims_of(f"SCJ-R-2022-{10000 + i}"), private, kid) for i in range(pool_size)]
    fresh = [cose.encode_pass(claims_of(f"SCJ-R-2023-{10000 + i}"), private, kid) for i in range(pool_size)]
    next_regular, next_fresh = cycling(distinct[:400]), cycling(fresh)  # 400 riders already seen today
    mix = [next_fresh() if i % 5 == 0 else next_regular() for i in range(5 * pool_size)]
    trust = {kid: cose.TrustedKey(private.public_key(), frozenset({"rider"}))}
    state = cose.RevocationState(revoked=frozenset(f"SCJ-R-2022-{i:04d}" for i in range(2, 5000)), issued_at=now)
    checkpoint = cose.CheckpointInfo("ZYHY-N", frozenset({"ZX-GATES"}))
    assert cose.verify(payload, checkpoint, now, trust, state).reason == "ok"
    raw_signature = private.sign(b"x", ec.ECDSA(hashes.SHA256()))
    public = private.public_key()
    signed = []  # (DER signature, Sig_structure) of each distinct pass: what the full path hands to OpenSSL
    for message in map(cose.decode_qr, distinct):
        r, s = int.from_bytes(message.signature[:32], "big"), int.from_bytes(message.signature[32:], "big")
        to_be_signed = cbor2.dumps(["Signature1", message.protected, b"", message.payload])
        signed.append((encode_dss_signature(r, s), to_be_signed))
    next_signed, next_distinct, next_mixed = cycling(signed), cycling(distinct), cycling(mix)

    def raw_distinct() -> None:
        public.verify(*next_signed(), cose.ES256)

    ceiling = openssl_speed(seconds)
    cache = {}
    results = {
        "raw OpenSSL ES256 verify /s": rate(
            lambda: public.verify(raw_signature, b"x", ec.ECDSA(hashes.SHA256())), seconds
        ),
        "raw verify, distinct passes /s": rate(raw_distinct, seconds),
        "sign+encode /s": rate(lambda: cose.encode_pass(claims, private, kid), seconds),
    }
    cose.clear_verified_cache()
    results["verify, all distinct /s"] = rate(
        lambda: cose.verify(next_distinct(), checkpoint, now, trust, state), seconds
    )
    cache["distinct"] = cose.verified_cache_info()
    cose.clear_verified_cache()
    results["verify, 80 % repeats /s"] = rate(lambda: cose.verify(next_mixed(), checkpoint, now, trust, state), seconds)
    cache["mix"] = cose.verified_cache_info()
    results["garbage rejected /s"] = rate(
        lambda: cose.verify("ZP1:" + "A" * 300, checkpoint, now, trust, state), seconds
    )
    results["QR SVG (segno, level Q) /s"] = rate(lambda: segno.make_qr(payload, error="q").svg_inline(scale=4), seconds)
    qr = segno.make_qr(payload, error="q")
    cards = pdf_batch(payload, claims, kid.hex())
    print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(
        f"python {platform.python_version()} on {platform.machine()}, one core; payload {len(payload)} chars, "
        f"QR version {qr.version} level {qr.error} mode {qr.mode}"
    )
    if ceiling:
        print(f"{'openssl speed ecdsap256 verify /s':32} {ceiling['verify']:10,.0f}   (sign {ceiling['sign']:,.0f}/s)")
    for name, value in results.items():
        print(f"{name:32} {value:10,.0f}")
    print(
        f"{'A6 PDF cards, batch of 142 /s':32} {cards['rate']:10,.1f}   ({cards['seconds']:.2f} s, {cards['bytes']:,} bytes)"
    )
    for name, info in cache.items():
        share = info["hits"] / max(1, info["hits"] + info["misses"])
        print(f"cache during '{name}': {info['hits']:,} hits, {info['misses']:,} misses ({share:.0%} hits)")
    headline = results["verify, all distinct /s"]
    print(
        f"all distinct: {headline / results['raw verify, distinct passes /s']:.0%} of the raw verify of the same passes"
        + (f", {headline / ceiling['verify']:.0%} of openssl speed" if ceiling else "")
        + f"; target 10,000/s {'met' if headline >= 10_000 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
