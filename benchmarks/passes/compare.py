"""Before/after of the full pass verification: a git revision's cose.py against the working tree, interleaved.

Run:  ZONEOPS_TESTING=1 .venv/bin/python benchmarks/passes/compare.py [REV [rounds]]   (REV defaults to HEAD)
Both verify the same distinct passes (more than the cache holds, so nothing comes from it) in alternating
quarter-second slices on one core, with a raw ES256 verify of the same passes alongside: a busy machine
slows all three alike, so the ratios hold even when the absolute figures do not.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zoneops.settings")

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from zoneops.passes import cose

ROOT = Path(__file__).resolve().parents[2]


def module_at(rev: str):
    """zoneops/passes/cose.py as of `rev`, imported under another name."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:zoneops/passes/cose.py"], capture_output=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "cose_at_rev.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("cose_at_rev", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def slice_rate(fn, seconds: float = 0.25) -> float:
    """Calls per second of fn over one slice."""
    count, start = 0, time.perf_counter()
    while True:
        for _ in range(50):
            fn()
        count += 50
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def main() -> None:
    rev = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    load_before = os.getloadavg()[0]
    before = module_at(rev)
    private = cose.generate_private_key()
    kid = cose.kid_of(private.public_key())
    now = dt.datetime(2022, 4, 12, 1, 30, tzinfo=dt.UTC)
    start = now - dt.timedelta(days=1)
    passes = [
        cose.encode_pass(
            cose.Claims(f"SCJ-R-2022-{10000 + i}", "rider", "李嘉庆", "123X", start, now + dt.timedelta(days=29), "SCJ",
                        ("ZX-GATES", "ROADS"), affiliation="美团外卖开发区竹行站"),
            private,
            kid,
        )
        for i in range(2 * cose.VERIFIED_CACHE_SIZE)
    ]  # fmt: skip
    revoked = frozenset(f"SCJ-R-2022-{i:04d}" for i in range(2, 5000))
    args = {}
    for name, module in (("before", before), ("after", cose)):
        args[name] = (
            module.CheckpointInfo("ZYHY-N", frozenset({"ZX-GATES"})),
            now,
            {kid: module.TrustedKey(private.public_key(), frozenset({"rider"}))},
            module.RevocationState(revoked=revoked, issued_at=now),
        )
        assert module.verify(passes[0], *args[name]).reason == "ok"
    signed = []
    for message in map(cose.decode_qr, passes):
        r, s = int.from_bytes(message.signature[:32], "big"), int.from_bytes(message.signature[32:], "big")
        signed.append(
            (encode_dss_signature(r, s), cbor2.dumps(["Signature1", message.protected, b"", message.payload]))
        )
    public, algorithm = private.public_key(), ec.ECDSA(hashes.SHA256())
    next_signed, next_before, next_after = (itertools.cycle(items).__next__ for items in (signed, passes, passes))
    measures = {
        "raw ES256 verify, same passes": lambda: public.verify(*next_signed(), algorithm),
        f"full verify at {rev}": lambda: before.verify(next_before(), *args["before"]),
        "full verify, working tree": lambda: cose.verify(next_after(), *args["after"]),
    }
    cose.clear_verified_cache()
    rates = {name: [] for name in measures}
    for _ in range(rounds):
        for name, fn in measures.items():
            rates[name].append(slice_rate(fn))
    assert cose.verified_cache_info()["hits"] == 0
    print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; {rounds} rounds of 0.25 s slices")
    raw = statistics.median(rates["raw ES256 verify, same passes"])
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"{name:32} median {median:8,.0f}/s  best {max(values):8,.0f}/s  {median / raw:5.0%} of raw")


if __name__ == "__main__":
    main()
