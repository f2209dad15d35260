"""Idempotency-Key on API POSTs: a repeated key from the same user replays the first response."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse

IDEMPOTENT_PREFIXES = ("/api/v1/",)


def _api_user(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        from zoneops.accounts.tokens import user_for_token

        return user_for_token(header[7:].strip())
    return None


class IdempotencyMiddleware:
    """Store the first response to (user, Idempotency-Key) and return it again for repeats."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if request.method != "POST" or not key or not request.path.startswith(IDEMPOTENT_PREFIXES):
            return self.get_response(request)
        user = _api_user(request)
        if user is None:
            return self.get_response(request)
        from zoneops.core.models import IdempotencyRecord

        if len(key) > 200:
            return JsonResponse(
                {"title": "Idempotency-Key too long", "status": 400, "errors": [{"field": "Idempotency-Key", "message": "max 200 characters"}]},
                status=400,
                content_type="application/problem+json",
            )
        fingerprint = hashlib.sha256(request.path.encode() + b"\0" + request.body).hexdigest()
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is not None:
            return self._replay(existing, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
            return self._replay(existing, fingerprint)
        response = self.get_response(request)
        if response.status_code >= 500:
            # A server fault is not an answer worth replaying: let the client retry.
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", "application/json"),
            body=response.content.decode("utf-8", errors="replace"),
            completed=True,
        )
        return response

    def _replay(self, record, fingerprint: str) -> HttpResponse:
        if record is None or not record.completed:
            return JsonResponse(
                {"title": "A request with this Idempotency-Key is still being processed", "status": 409},
                status=409,
                content_type="application/problem+json",
            )
        if record.fingerprint != fingerprint:
            return JsonResponse(
                {"title": "Idempotency-Key was already used for a different request", "status": 422,
                 "errors": [{"field": "Idempotency-Key", "message": "reused with a different body"}]},
                status=422,
                content_type="application/problem+json",
            )
        response = HttpResponse(record.body, status=record.status_code, content_type=record.content_type)
        response["Idempotent-Replayed"] = "true"
        return response
