"""Idempotency-Key on API POSTs, exercised through POST /api/v1/me/tokens (each call makes an ApiToken)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from zoneops.accounts.models import ApiToken
from zoneops.accounts.services import create_api_token
from zoneops.accounts.tests.factories import UserFactory
from zoneops.audit.models import AuditEvent
from zoneops.core.models import IdempotencyRecord

URL = "/api/v1/me/tokens"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def bearer_user(name: str):
    user = UserFactory(username=name)
    _token, raw = create_api_token(actor=user, name="bootstrap")
    return user, raw


def post(raw: str, body: dict, key: str | None = None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}", **extra}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(URL, json.dumps(body), content_type="application/json", **headers)


def made_by(user) -> int:
    return ApiToken.objects.filter(user=user).exclude(name="bootstrap").count()


def test_repeated_key_replays_the_first_response_and_writes_nothing_again(frozen):
    user, raw = bearer_user("ann")
    first = post(raw, {"name": "sync"}, key="k-1")
    assert first.status_code == 201
    again = post(raw, {"name": "sync"}, key="k-1")
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert made_by(user) == 1
    created = AuditEvent.objects.filter(action="accounts.token_created", actor=user)
    assert sorted(event.changes["name"][1] for event in created) == ["bootstrap", "sync"]


def test_the_kept_response_is_encrypted_at_rest(frozen):
    _user, raw = bearer_user("kim")
    first = post(raw, {"name": "sync"}, key="k-enc")
    new_token = first.json()["token"]
    stored = IdempotencyRecord.objects.get(key="k-enc")
    assert new_token not in stored.body
    assert stored.body.startswith("v1:")
    assert (stored.status_code, stored.completed) == (201, True)


def test_without_a_key_every_post_writes(frozen):
    user, raw = bearer_user("ben")
    post(raw, {"name": "sync"})
    post(raw, {"name": "sync"})
    assert made_by(user) == 2
    assert IdempotencyRecord.objects.count() == 0


def test_same_key_with_a_different_body_is_422_and_writes_nothing(frozen):
    user, raw = bearer_user("cai")
    post(raw, {"name": "sync"}, key="k-2")
    response = post(raw, {"name": "other"}, key="k-2")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert list(ApiToken.objects.filter(user=user).exclude(name="bootstrap").values_list("name", flat=True)) == ["sync"]


def test_another_users_same_key_is_independent(frozen):
    ann, ann_raw = bearer_user("ann2")
    bob, bob_raw = bearer_user("bob2")
    first = post(ann_raw, {"name": "sync"}, key="shared")
    second = post(bob_raw, {"name": "sync"}, key="shared")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert second.json()["id"] != first.json()["id"]
    assert (made_by(ann), made_by(bob)) == (1, 1)
    assert ApiToken.objects.get(pk=second.json()["id"]).user == bob


def test_session_clients_are_keyed_too(frozen):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    for _ in range(2):
        response = client.post(
            URL, json.dumps({"name": "ui"}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="ui-1"
        )
        assert response.status_code == 201
    assert made_by(user) == 1


def test_a_client_error_is_replayed_but_a_refusal_is_not_kept(frozen):
    user, raw = bearer_user("dan")
    bad = post(raw, {"name": " "}, key="k-3")
    assert bad.status_code == 400
    assert post(raw, {"name": " "}, key="k-3")["Idempotent-Replayed"] == "true"
    # a 401 (bad token) is not an answer to keep: the same key works once the client is authenticated
    refused = post("zo_not-a-token", {"name": "sync"}, key="k-4")
    assert refused.status_code == 401
    assert post(raw, {"name": "sync"}, key="k-4").status_code == 201
    assert made_by(user) == 1


def test_csrf_refusal_is_not_kept(frozen):
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        URL, json.dumps({"name": "ui"}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="ui-2"
    )
    assert response.status_code == 403
    assert IdempotencyRecord.objects.count() == 0


def test_a_request_still_running_makes_a_repeat_wait_with_409(frozen):
    user, raw = bearer_user("eve")
    IdempotencyRecord.objects.create(user=user, key="k-5", fingerprint="x")
    response = post(raw, {"name": "sync"}, key="k-5")
    assert response.status_code == 409
    assert made_by(user) == 0


def test_a_request_that_died_frees_its_key_after_five_minutes(frozen):
    user, raw = bearer_user("fay")
    IdempotencyRecord.objects.create(user=user, key="k-6", fingerprint="x")
    frozen.shift(timedelta(minutes=5, seconds=1))
    assert post(raw, {"name": "sync"}, key="k-6").status_code == 201
    assert made_by(user) == 1


def test_keys_expire_after_a_day(frozen):
    user, raw = bearer_user("gus")
    post(raw, {"name": "sync"}, key="k-7")
    frozen.shift(timedelta(hours=23, minutes=59))
    assert post(raw, {"name": "sync"}, key="k-7")["Idempotent-Replayed"] == "true"
    frozen.shift(timedelta(minutes=2))
    response = post(raw, {"name": "sync"}, key="k-7")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert made_by(user) == 2


def test_a_users_expired_keys_are_purged_when_they_next_use_a_key(frozen):
    user, raw = bearer_user("lou")
    other, other_raw = bearer_user("mia")
    post(raw, {"name": "a"}, key="old-1")
    post(other_raw, {"name": "a"}, key="old-2")
    frozen.shift(timedelta(hours=25))
    post(raw, {"name": "b"}, key="new-1")
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-1", "old-2"]


def test_overlong_key_is_400(frozen):
    user, raw = bearer_user("hal")
    response = post(raw, {"name": "sync"}, key="k" * 201)
    assert response.status_code == 400
    assert made_by(user) == 0


def test_anonymous_token_sign_in_is_not_keyed(frozen):
    UserFactory(username="ivy")
    client = Client()
    for _ in range(2):
        response = client.post(
            "/api/v1/auth/token",
            json.dumps({"username": "ivy", "password": "Correct-horse-9"}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="login-1",
        )
        assert response.status_code == 200
    assert IdempotencyRecord.objects.count() == 0
    assert ApiToken.objects.filter(user__username="ivy").count() == 2
