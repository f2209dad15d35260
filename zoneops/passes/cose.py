"""The pass format: CBOR claims in a COSE_Sign1 (RFC 9052), ES256, Base45 (RFC 9285), prefix "ZP1:".

Pure functions with no database access, so the same code serves the server verifier, the test vectors
and the benchmark. The format is documented in docs/passes.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

PREFIX = "ZP1:"
MAX_PAYLOAD_CHARS = 1500  # a real pass is ~350; anything longer is refused before decoding
ALG_ES256 = -7
HEADER_ALG = 1
HEADER_KID = 4
SKEW = dt.timedelta(minutes=5)
AMBER_AGE = dt.timedelta(hours=24)
STALE_AGE = dt.timedelta(hours=72)
VERIFIED_CACHE_SIZE = 4096  # signatures remembered per process, about 1.4 kB each (6 MB); see verify()
ES256 = ec.ECDSA(hashes.SHA256())  # immutable; building it per call costs as much as all the claim checks

# Claim keys (integers keep the QR small).
C_SERIAL, C_TYPE, C_NAME, C_ID4, C_PLATE, C_ROUTE, C_SCOPE, C_NBF, C_EXP, C_ISSUER, C_AFFILIATION = range(1, 12)
CLAIM_NAMES = {
    C_SERIAL: "serial",
    C_TYPE: "type",
    C_NAME: "holder_name",
    C_ID4: "id_last4",
    C_PLATE: "plate",
    C_ROUTE: "route",
    C_SCOPE: "scope",
    C_NBF: "valid_from",
    C_EXP: "valid_to",
    C_ISSUER: "issuer",
    C_AFFILIATION: "affiliation",
}

# Reason codes of a verification, in the order the checks run.
REASONS = (
    "ok",
    "bad_format",
    "unknown_key",
    "bad_signature",
    "key_not_allowed",
    "stale_lists",
    "revoked",
    "suspended",
    "not_yet_valid",
    "expired",
    "out_of_scope",
)


# --- keys -----------------------------------------------------------------------------------------


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key."""
    return ec.generate_private_key(ec.SECP256R1())


def kid_of(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The 8-byte key id: the first 8 bytes of SHA-256 of the DER SubjectPublicKeyInfo."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).digest()[:8]


def public_pem(public_key: ec.EllipticCurvePublicKey) -> str:
    """PEM text of a public key."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@functools.lru_cache(maxsize=256)
def load_public_pem(text: str) -> ec.EllipticCurvePublicKey:
    """A public key from PEM text (parsed once per distinct PEM: the server verifier builds its trust per request)."""
    key = serialization.load_pem_public_key(text.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("not a P-256 public key")
    return key


# --- COSE_Sign1 -----------------------------------------------------------------------------------


def _bstr_head(length: int) -> bytes:
    """The CBOR head of a byte string of `length` bytes (major type 2, shortest form)."""
    if length < 24:
        return bytes((0x40 | length,))
    if length < 0x100:
        return b"\x58" + length.to_bytes(1, "big")
    if length < 0x10000:
        return b"\x59" + length.to_bytes(2, "big")
    if length < 0x100000000:
        return b"\x5a" + length.to_bytes(4, "big")
    return b"\x5b" + length.to_bytes(8, "big")


_SIG1_HEAD = b"\x84\x6aSignature1"  # array(4), text(10) "Signature1"
_EMPTY_BSTR = b"\x40"
# The protected header {1: -7, 4: kid} as sign1 writes it: map(2), 1, -7, 4, bytes(8), then the kid.
_PROTECTED_HEAD = b"\xa2\x01\x26\x04\x48"
_SIGNED_HEAD = b"\xd2\x84\x4d" + _PROTECTED_HEAD  # tag 18, array(4), bytes(13), then the protected header


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    """cbor2.dumps(["Signature1", protected, b"", payload]), written directly (no encoder per call)."""
    return b"".join((_SIG1_HEAD, _bstr_head(len(protected)), protected, _EMPTY_BSTR, _bstr_head(len(payload)), payload))


def _der_integer(value: bytes) -> bytes:
    """DER INTEGER of an unsigned big-endian number of exactly 32 bytes."""
    if value[0] & 0x80:  # half of all r and s: a sign byte in front
        return b"\x02\x21\x00" + value
    if value[0]:
        return b"\x02\x20" + value
    value = value.lstrip(b"\x00") or b"\x00"
    if value[0] & 0x80:
        value = b"\x00" + value
    return b"\x02" + bytes((len(value),)) + value


def _der_signature(signature: bytes) -> bytes:
    """The DER ECDSA-Sig-Value of a raw r||s signature (what encode_dss_signature gives, without the ints)."""
    body = _der_integer(signature[:32]) + _der_integer(signature[32:])
    return b"\x30" + bytes((len(body),)) + body


def sign1(payload: bytes, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> bytes:
    """COSE_Sign1 (tag 18) of `payload`: protected {1: -7, 4: kid}, signature raw r||s (64 bytes)."""
    protected = cbor2.dumps({HEADER_ALG: ALG_ES256, HEADER_KID: kid})
    der = private_key.sign(_sig_structure(protected, payload), ES256)
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))


class FormatError(ValueError):
    """The bytes are not a COSE_Sign1 of the expected shape."""


@dataclass(frozen=True)
class Sign1:
    """A parsed COSE_Sign1 (not yet verified)."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes


def parse_sign1(data: bytes) -> Sign1:
    """Parse a COSE_Sign1; raises FormatError on anything unexpected."""
    message = _split_as_signed(data)
    if message is not None:
        return message
    try:
        obj = cbor2.loads(data)
    except Exception as exc:  # cbor2 raises several types on garbage
        raise FormatError("not CBOR") from exc
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != 18:
            raise FormatError("not COSE_Sign1")
        obj = obj.value
    if not isinstance(obj, list | tuple) or len(obj) != 4:
        raise FormatError("not a four-element COSE_Sign1")
    protected, unprotected, payload, signature = obj
    if not isinstance(protected, bytes) or not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise FormatError("bad COSE_Sign1 element types")
    if type(unprotected) is not dict and not isinstance(unprotected, Mapping):  # a plain dict skips the ABC check
        raise FormatError("bad unprotected header")
    if len(protected) == 13 and protected.startswith(_PROTECTED_HEAD):
        kid = protected[5:]  # the header exactly as sign1 writes it: {1: -7, 4: kid}, no second decoder needed
    else:
        kid = _kid_of_protected(protected)
    if not isinstance(kid, bytes) or len(kid) != 8:
        raise FormatError("kid missing from the protected header")
    if len(signature) != 64:
        raise FormatError("signature is not 64 bytes")
    return Sign1(protected, kid, payload, signature)


def _split_as_signed(data: bytes) -> Sign1 | None:
    """The message if `data` is laid out exactly as sign1 writes it, else None (then cbor2 decodes it).

    Tag 18, array(4), bytes(13) protected {1: -7, 4: kid}, empty map, the payload, bytes(64) signature: by
    slicing alone, so the verifier needs no CBOR decoder for the envelope. For these bytes cbor2 gives
    exactly the same four elements.
    """
    if type(data) is not bytes or len(data) < 84 or not data.startswith(_SIGNED_HEAD):
        return None
    if data[16] != 0xA0 or data[-66:-64] != b"\x58\x40":
        return None
    head = data[17]
    if head < 0x58:
        start, length = 18, head - 0x40
    elif head == 0x58:
        start, length = 19, data[18]
    elif head == 0x59:
        start, length = 20, int.from_bytes(data[18:20], "big")
    else:
        return None
    if not 0 <= length == len(data) - start - 66:
        return None
    return Sign1(data[3:16], data[8:16], data[start : start + length], data[-64:])


def _kid_of_protected(protected: bytes) -> Any:
    """The kid of any other protected header, after checking it names ES256."""
    try:
        header = cbor2.loads(protected) if protected else {}
    except Exception as exc:
        raise FormatError("bad protected header") from exc
    if not isinstance(header, Mapping) or header.get(HEADER_ALG) != ALG_ES256:
        raise FormatError("algorithm is not ES256")
    return header.get(HEADER_KID)


def check_signature(message: Sign1, public_key: ec.EllipticCurvePublicKey) -> bool:
    """Whether the raw r||s signature verifies over the Sig_structure."""
    try:
        public_key.verify(_der_signature(message.signature), _sig_structure(message.protected, message.payload), ES256)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- claims and the QR string ---------------------------------------------------------------------

_MAX_EPOCH = 2**34  # claims times are seconds since 1970 below this (year 2514)


def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


@dataclass(frozen=True)
class Claims:
    """What a pass says."""

    serial: str
    type: str
    holder_name: str
    id_last4: str
    valid_from: dt.datetime
    valid_to: dt.datetime
    issuer: str
    scope: tuple[str, ...] = ()
    plate: str = ""
    route: str = ""
    affiliation: str = ""

    def to_cbor(self) -> bytes:
        """CBOR map with integer keys; empty optional claims are left out."""
        claims: dict[int, Any] = {
            C_SERIAL: self.serial,
            C_TYPE: self.type,
            C_NAME: self.holder_name,
            C_ID4: self.id_last4,
            C_SCOPE: list(self.scope),
            C_NBF: _epoch(self.valid_from),
            C_EXP: _epoch(self.valid_to),
            C_ISSUER: self.issuer,
        }
        if self.plate:
            claims[C_PLATE] = self.plate
        if self.route:
            claims[C_ROUTE] = self.route
        if self.affiliation:
            claims[C_AFFILIATION] = self.affiliation
        return cbor2.dumps(claims)

    @classmethod
    def from_cbor(cls, data: bytes) -> Claims:
        """Parse claims; raises FormatError on a missing or mistyped claim."""
        try:
            raw = cbor2.loads(data)
        except Exception as exc:
            raise FormatError("claims are not CBOR") from exc
        if type(raw) is dict:
            claims = cls._from_plain_map(raw)
            if claims is not None:
                return claims
        return cls._from_map(raw)

    @classmethod
    def _from_plain_map(cls, raw: dict[Any, Any]) -> Claims | None:
        """The verifier's hot path: the Claims if every claim is plainly well-formed, else None.

        Accepts only what _from_map accepts too, and gives the same Claims; anything else, including every
        error, goes through _from_map for its exact message.
        """
        get = raw.get
        texts = (get(C_SERIAL), get(C_TYPE), get(C_NAME), get(C_ID4), get(C_ISSUER))
        optional = (get(C_PLATE, ""), get(C_ROUTE, ""), get(C_AFFILIATION, ""))
        nbf, exp, scope = get(C_NBF), get(C_EXP), get(C_SCOPE, [])
        try:  # str.join refuses anything but text, in C; together at most 300 means each at most 300
            total = len("".join(texts + optional))
            "".join(scope)
        except TypeError:
            return None
        if (
            total > 300
            or type(nbf) is not int  # also refuses bool
            or type(exp) is not int
            or not (0 <= nbf < _MAX_EPOCH and 0 <= exp < _MAX_EPOCH)
            or type(scope) is not list
        ):
            return None
        serial, type_, name, id_last4, issuer = texts
        plate, route, affiliation = optional
        return cls(
            serial=serial,
            type=type_,
            holder_name=name,
            id_last4=id_last4,
            valid_from=dt.datetime.fromtimestamp(nbf, tz=dt.UTC),
            valid_to=dt.datetime.fromtimestamp(exp, tz=dt.UTC),
            issuer=issuer,
            scope=tuple(scope),
            plate=plate,
            route=route,
            affiliation=affiliation,
        )

    @classmethod
    def _from_map(cls, raw: Any) -> Claims:
        """Every check with its own message; raises FormatError."""
        if not isinstance(raw, Mapping):
            raise FormatError("claims are not a map")

        def text(key: int, required: bool = True) -> str:
            value = raw.get(key, None if required else "")
            if not isinstance(value, str) or len(value) > 300:
                raise FormatError(f"claim {key} missing or not text")
            return value

        def when(key: int) -> dt.datetime:
            value = raw.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < _MAX_EPOCH:
                raise FormatError(f"claim {key} is not a time")
            return dt.datetime.fromtimestamp(value, tz=dt.UTC)

        scope = raw.get(C_SCOPE, [])
        if not isinstance(scope, list | tuple) or not all(isinstance(code, str) for code in scope):
            raise FormatError("scope is not a list of codes")
        return cls(
            serial=text(C_SERIAL),
            type=text(C_TYPE),
            holder_name=text(C_NAME),
            id_last4=text(C_ID4),
            valid_from=when(C_NBF),
            valid_to=when(C_EXP),
            issuer=text(C_ISSUER),
            scope=tuple(scope),
            plate=text(C_PLATE, False),
            route=text(C_ROUTE, False),
            affiliation=text(C_AFFILIATION, False),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view for the API and pages."""
        return {
            "serial": self.serial,
            "type": self.type,
            "holder_name": self.holder_name,
            "id_last4": self.id_last4,
            "plate": self.plate,
            "route": self.route,
            "scope": list(self.scope),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
            "issuer": self.issuer,
            "affiliation": self.affiliation,
        }


def encode_pass(claims: Claims, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> str:
    """The QR string: "ZP1:" + Base45(COSE_Sign1(claims))."""
    return PREFIX + base45.b45encode(sign1(claims.to_cbor(), private_key, kid)).decode("ascii")


_B45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUE = {char: index for index, char in enumerate(_B45_ALPHABET)}
# byte -> its Base45 digit, 255 for a byte outside the alphabet (for bytes.translate)
_B45_DIGITS = bytes(_B45_VALUE.get(chr(byte), 255) for byte in range(256))


def b45decode(text: str) -> bytes:
    """RFC 9285 Base45 decoding, strict (unknown characters, a dangling character, overflow: ValueError).

    Strict decoding is one-to-one: a byte string has exactly one Base45 text. The verifier's hot path, so no
    per-character (or per-triple) Python loop: characters become digits with bytes.translate; the first,
    second and third digits of all triples are spread into 32-bit lanes of three big integers, so a single
    big-integer sum a + 45 b + 2025 c computes every triple at once; the lanes are then read back.
    """
    try:
        digits = text.encode("ascii").translate(_B45_DIGITS)
    except UnicodeEncodeError:
        raise ValueError("not Base45") from None
    if b"\xff" in digits:
        raise ValueError("not Base45")
    length = len(digits)
    rest = length % 3
    if rest == 1:
        raise ValueError("not Base45")
    full = length - rest
    count = full // 3
    lanes = bytearray(4 * count)
    lanes[0::4] = digits[0:full:3]
    first = int.from_bytes(lanes, "little")
    lanes[0::4] = digits[1:full:3]
    second = int.from_bytes(lanes, "little")
    lanes[0::4] = digits[2:full:3]
    third = int.from_bytes(lanes, "little")
    # each lane is at most 44 + 45 * 44 + 2025 * 44 = 91,124 < 2**32, so no lane carries into the next
    numbers = (first + 45 * second + 2025 * third).to_bytes(4 * count, "little")
    if numbers[2::4].count(0) != count:  # a triple over 0xFFFF (bytes 3 of the lanes are always 0)
        raise ValueError("not Base45")
    out = bytearray(2 * count + rest // 2)
    out[0 : 2 * count : 2] = numbers[1::4]
    out[1 : 2 * count : 2] = numbers[0::4]
    if rest == 2:
        number = digits[full] + 45 * digits[full + 1]
        if number > 0xFF:
            raise ValueError("not Base45")
        out[-1] = number
    return bytes(out)


def decode_qr(text: str) -> Sign1:
    """Undo the prefix and Base45 and parse the COSE_Sign1; raises FormatError."""
    if not isinstance(text, str) or len(text) > MAX_PAYLOAD_CHARS:
        raise FormatError("missing or too long")
    if not text.startswith(PREFIX):
        raise FormatError("wrong prefix")
    try:
        raw = b45decode(text[len(PREFIX) :])
    except ValueError as exc:
        raise FormatError("not Base45") from exc
    return parse_sign1(raw)


# --- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedKey:
    """A public key a verifier trusts, with the pass types it may sign."""

    public_key: ec.EllipticCurvePublicKey
    allowed_types: frozenset[str]
    department: str = ""


@dataclass(frozen=True)
class RevocationState:
    """What the verifier knows about withdrawn passes, and how old that knowledge is."""

    revoked: frozenset[str] = frozenset()
    suspended: frozenset[str] = frozenset()
    issued_at: dt.datetime | None = None  # None: authoritative (the server's live database)
    version: int = 0


@dataclass(frozen=True)
class CheckpointInfo:
    """The checkpoint the verifier stands at: its code and the area codes covering it."""

    code: str
    areas: frozenset[str] = field(default_factory=frozenset)

    def covered_by(self, scope: Iterable[str]) -> bool:
        """Whether a pass scoped to `scope` may pass here."""
        codes = scope if type(scope) is tuple else tuple(scope)  # Claims.scope is a tuple: no copy, no set
        return self.code in codes or not self.areas.isdisjoint(codes)


@dataclass(frozen=True)
class Result:
    """A verification result: `valid` is green; `amber` flags lists older than 24 hours."""

    valid: bool
    reason: str
    claims: Claims | None = None
    amber: bool = False

    def pass_info(self) -> dict[str, Any] | None:
        return self.claims.as_dict() if self.claims else None


class _VerifiedSignatures:
    """A bounded LRU of QR texts whose signature verified: text -> (kid, public key, claims)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, tuple[bytes, ec.EllipticCurvePublicKey, Claims]] = OrderedDict()
        self._lock = threading.Lock()  # several request threads may share one process

    def recall(self, text: str) -> tuple[bytes, ec.EllipticCurvePublicKey, Claims] | None:
        """The entry of `text`, now the most recently used, or None."""
        with self._lock:
            entry = self._entries.get(text)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(text)
            return entry

    def remember(self, text: str, kid: bytes, public_key: ec.EllipticCurvePublicKey, claims: Claims) -> None:
        """Note that the signature in `text` verified under `public_key`; the least recently used entry goes."""
        with self._lock:
            self._entries[text] = (kid, public_key, claims)
            self._entries.move_to_end(text)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def forget(self, text: str) -> None:
        """Drop `text` (its key is no longer trusted)."""
        with self._lock:
            self._entries.pop(text, None)

    def clear(self) -> None:
        """Drop every entry and reset the counters."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def info(self) -> dict[str, int]:
        """Counters for benchmarks and operators."""
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "size": len(self._entries), "maxsize": self.maxsize}


_verified = _VerifiedSignatures(VERIFIED_CACHE_SIZE)


def verified_cache_info() -> dict[str, int]:
    """Hits, misses, size and maxsize of this process's cache of verified signatures."""
    return _verified.info()


def clear_verified_cache() -> None:
    """Forget every verified signature (tests, benchmarks; never needed for correctness)."""
    _verified.clear()


def verify(
    payload: Any,
    checkpoint: CheckpointInfo | None,
    now: dt.datetime,
    trust: Mapping[bytes, TrustedKey],
    revocations: RevocationState,
) -> Result:
    """Check a QR string completely; never raises on bad input (every failure is a red result with a reason).

    A QR text whose signature already verified under the same public key is not verified again: the text
    fixes the signed bytes and the signature (decoding is a function; strict Base45 is even one-to-one),
    ECDSA verification is a deterministic function of key, bytes and signature, and only successes are
    remembered. Everything else is checked on every call against the arguments: the kid must still be
    trusted (a withdrawn key is absent from `trust`, so its passes are refused and forgotten) with the same
    public key, then key permission, lists age, revocation, validity window and scope.
    """
    if type(payload) is str:
        known = _verified.recall(payload)
        if known is not None:
            kid, public_key, claims = known
            key = trust.get(kid)
            if key is None:
                _verified.forget(payload)
                return Result(False, "unknown_key")
            if key.public_key is public_key or key.public_key == public_key:
                return _check_claims(claims, key, checkpoint, now, revocations)
    try:
        message = decode_qr(payload)
    except FormatError:
        return Result(False, "bad_format")
    key = trust.get(message.kid)
    if key is None:
        return Result(False, "unknown_key")
    if not check_signature(message, key.public_key):
        return Result(False, "bad_signature")
    try:
        claims = Claims.from_cbor(message.payload)
    except FormatError:
        return Result(False, "bad_format")
    if type(payload) is str:
        _verified.remember(payload, message.kid, key.public_key, claims)
    return _check_claims(claims, key, checkpoint, now, revocations)


def _check_claims(
    claims: Claims,
    key: TrustedKey,
    checkpoint: CheckpointInfo | None,
    now: dt.datetime,
    revocations: RevocationState,
) -> Result:
    """The checks after the signature, run on every call: key permission, lists age, status, window, scope."""
    if claims.type not in key.allowed_types:
        return Result(False, "key_not_allowed", claims)
    amber = False
    if revocations.issued_at is not None:
        age = now - revocations.issued_at
        if age > STALE_AGE:
            return Result(False, "stale_lists", claims)
        amber = age > AMBER_AGE
    if claims.serial in revocations.revoked:
        return Result(False, "revoked", claims)
    if claims.serial in revocations.suspended:
        return Result(False, "suspended", claims)
    if now + SKEW < claims.valid_from:
        return Result(False, "not_yet_valid", claims)
    if now - SKEW > claims.valid_to:
        return Result(False, "expired", claims)
    if checkpoint is not None and not checkpoint.covered_by(claims.scope):
        return Result(False, "out_of_scope", claims)
    return Result(True, "ok", claims, amber=amber)
