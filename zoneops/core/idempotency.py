"""Idempotency-Key on API POSTs: a repeated key from the same user replays the first response.

The key is scoped to the user (another user's same key is independent) and bound to the request
(path and body): the same key with a different request is refused with 422. Only answers worth
replaying are kept: success and deterministic client errors. Server faults, authentication /
permission refusals, conflicts and rate limits are forgotten, so the client may retry with the key.
While the first request runs, a concurrent repeat gets 409. Keys are kept for `IDEMPOTENCY_TTL`.
Stored bodies are encrypted (core.crypto): a response may carry a new API token or personal data.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from zoneops.core import clock
from zoneops.core.crypto import decrypt, encrypt

IDEMPOTENT_PREFIXES = ("/api/",)
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
_NOT_KEPT = {401, 403, 409, 429}
# A request still "in progress" after this long died without answering; its key may be used again.
_ABANDONED_AFTER = timedelta(minutes=5)


def _ttl() -> timedelta:
    return getattr(settings, "IDEMPOTENCY_TTL", timedelta(hours=24))


def _api_user(request):
    """The user the API will authenticate: bearer token first (as the API does), else the session."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        from zoneops.accounts.tokens import user_for_token

        return user_for_token(header[7:].strip())
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None


def _problem(status: int, title: str, message: str = "") -> JsonResponse:
    body = {"type": "about:blank", "title": title, "status": status}
    if message:
        body["errors"] = [{"field": HEADER, "message": message}]
    return JsonResponse(body, status=status, content_type="application/problem+json")


class IdempotencyMiddleware:
    """Store the first response to (user, Idempotency-Key) and return it again for repeats."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER, "").strip()
        if request.method != "POST" or not key or not request.path.startswith(IDEMPOTENT_PREFIXES):
            return self.get_response(request)
        user = _api_user(request)
        if user is None:
            # Anonymous requests (token sign-in) have no one to scope the key to: nothing is kept.
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return _problem(400, _("Invalid Idempotency-Key"), _("At most %(n)s characters.") % {"n": MAX_KEY_LENGTH})
        from zoneops.core.models import IdempotencyRecord

        fingerprint = hashlib.sha256(
            request.method.encode() + b"\0" + request.path.encode() + b"\0" + request.body
        ).hexdigest()
        now = clock.now()
        # The user's expired keys go (this keeps the table to a day of keys per active user), and a request
        # that died mid-way no longer holds its key.
        IdempotencyRecord.objects.filter(user=user, created_at__lt=now - _ttl()).delete()
        IdempotencyRecord.objects.filter(
            user=user, key=key, completed=False, created_at__lt=now - _ABANDONED_AFTER
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            return self._replay(IdempotencyRecord.objects.filter(user=user, key=key).first(), fingerprint)
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or response.status_code in _NOT_KEPT or response.streaming:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", "application/json")[:100],
            body=encrypt(response.content.decode("utf-8", errors="replace")),
            completed=True,
        )
        return response

    def _replay(self, record, fingerprint: str) -> HttpResponse:
        if record is None or not record.completed:
            return _problem(409, _("A request with this Idempotency-Key is still being processed."))
        if record.fingerprint != fingerprint:
            return _problem(
                422,
                _("This Idempotency-Key was already used for a different request."),
                _("Use a new key for a new request."),
            )
        response = HttpResponse(decrypt(record.body), status=record.status_code, content_type=record.content_type)
        response["Idempotent-Replayed"] = "true"
        return response
