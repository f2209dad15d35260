"""The lists offline verifiers hold: the versioned trust list, the signed checkpoint list, and the revocation list
(read-only GET, published when a status changes, re-signed by the hourly task)."""

from __future__ import annotations

import base64
import datetime as dt
import importlib

import cbor2

from zoneops.audit.models import AuditEvent
from zoneops.core import schedule
from zoneops.passes import cose, registry, services
from zoneops.passes.models import Checkpoint, RevocationList, SigningKey
from zoneops.passes.tasks import refresh_revocation_list_task
from zoneops.passes.tests.conftest import tampered_checkpoint_list


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _root_public():
    root, _private = services.root_key()
    return root, cose.load_public_pem(root.public_key_pem)


# --- the trust list -------------------------------------------------------------------------------


def _trust_content(trust_list: dict) -> dict:
    """The signed content of a trust list, after checking the root signature."""
    message = cose.parse_sign1(_unb64(trust_list["signed"]))
    _root, public = _root_public()
    assert message.kid.hex() == _root.kid and cose.check_signature(message, public)
    return cbor2.loads(message.payload)


def _kids(content: dict) -> list[str]:
    return [_unb64(jwk["kid"]).hex() for jwk in content["keys"]]


def test_trust_list_is_signed_with_its_version(client, frozen, scj_key):
    body = client.get("/api/v1/passes/trust-list").json()
    content = _trust_content(body)
    assert content == {"keys": body["keys"], "version": body["version"], "issued_at": body["issued_at"]}
    assert _kids(content) == [scj_key.kid]
    assert content["issued_at"] == int(frozen.timestamp())
    assert content["version"] == 2  # the SCJ key and the root key, each created once


def test_reading_the_trust_list_keeps_its_version(client, frozen, time_machine, scj_key):
    first = services.signed_trust_list()
    time_machine.move_to(frozen + dt.timedelta(hours=1), tick=False)
    again = client.get("/api/v1/passes/trust-list").json()
    assert again["version"] == first["version"]
    assert again["issued_at"] == first["issued_at"] + 3600  # signed afresh, same keys


def test_withdrawing_a_key_bumps_the_version_and_drops_the_key(frozen, scj, kk, scj_key):
    kk_key = services.create_signing_key(actor=None, department=kk, allowed_types=["rider"])
    before = _trust_content(services.signed_trust_list())
    assert sorted(_kids(before)) == sorted([scj_key.kid, kk_key.kid])
    services.withdraw_key(actor=None, kid=scj_key.kid, note="leaked")
    after = _trust_content(services.signed_trust_list())
    assert _kids(after) == [kk_key.kid]
    assert after["version"] == before["version"] + 1


def test_rotating_a_key_bumps_the_version_and_keeps_the_old_key(frozen, scj, scj_key):
    before = services.signed_trust_list()["version"]
    rotated = services.create_signing_key(actor=None, department=scj, allowed_types=["rider", "freight"])
    after = _trust_content(services.signed_trust_list())
    assert after["version"] == before + 2  # the new key created, the old one retired
    assert _kids(after) == [scj_key.kid, rotated.kid]  # the retired key still verifies its passes


def test_a_key_withdrawn_outside_the_services_still_bumps_the_version(frozen, scj_key):
    """The version is derived from the key rows, not a counter that only the services move."""
    before = services.signed_trust_list()["version"]
    SigningKey.objects.filter(kid=scj_key.kid).update(withdrawn_at=frozen)
    after = _trust_content(services.signed_trust_list())
    assert (after["version"], after["keys"]) == (before + 1, [])


# --- the checkpoint list --------------------------------------------------------------------------


def test_checkpoint_list_is_signed_by_the_zone_root_key(client, frozen, guard, checkpoints):
    client.force_login(guard)
    body = client.get("/api/v1/passes/checkpoint-list").json()
    root, public = _root_public()
    message = cose.parse_sign1(_unb64(body["signed"]))
    assert message.kid.hex() == root.kid
    assert cose.check_signature(message, public)
    content = cbor2.loads(message.payload)
    assert content["issued_at"] == int(frozen.timestamp()) == body["issued_at"]
    assert content["checkpoints"] == body["items"]
    assert content["checkpoints"][:2] == [
        {"code": "G15-NT", "name": "G15沈海高速南通出口", "areas": []},
        {"code": "G40-HM", "name": "G40沪陕高速海门出口", "areas": []},
    ]
    assert {"code": "ZYHY-N", "name": "竹韵花园北门", "areas": ["ZX-GATES"]} in content["checkpoints"]
    assert body["root"]["kid"] == services.b64url(bytes.fromhex(root.kid))


def test_a_tampered_checkpoint_list_does_not_verify(frozen, checkpoints):
    """The vector the browser test serves: G15-NT moved into ZX-GATES, the root signature kept; and a re-signed one."""
    tampered = tampered_checkpoint_list()
    assert {"code": "G15-NT", "name": "G15沈海高速南通出口", "areas": ["ZX-GATES"]} in tampered["items"]
    _root, public = _root_public()
    message = cose.parse_sign1(_unb64(tampered["signed"]))
    assert cbor2.loads(message.payload)["checkpoints"] == tampered["items"]
    assert not cose.check_signature(message, public)
    attacker = cose.generate_private_key()
    forged = cose.sign1(message.payload, attacker, cose.kid_of(attacker.public_key()))
    assert not cose.check_signature(cose.parse_sign1(forged), public)


def test_deactivated_checkpoints_leave_the_signed_list(frozen, registrar, checkpoints):
    registry.deactivate_checkpoint(actor=registrar, checkpoint=Checkpoint.objects.get(code="G40-HM"))
    message = cose.parse_sign1(_unb64(services.signed_checkpoint_list()["signed"]))
    assert [c["code"] for c in cbor2.loads(message.payload)["checkpoints"]] == ["G15-NT", "ZYHY-N", "ZYHY-S"]


def test_checkpoint_list_needs_a_checkpoint_or_scan_permission(client, reviewer, checkpoints):
    assert client.get("/api/v1/passes/checkpoint-list").status_code == 401
    from zoneops.accounts.tests.factories import UserFactory, grant

    scanner = UserFactory()
    grant(scanner, "passes.add_scan")
    client.force_login(scanner)
    assert client.get("/api/v1/passes/checkpoint-list").status_code == 200
    client.force_login(UserFactory())
    assert client.get("/api/v1/passes/checkpoint-list").status_code == 403


# --- the revocation list --------------------------------------------------------------------------


def test_get_before_any_list_is_503_and_writes_nothing(client, frozen, checkpoints):
    response = client.get("/api/v1/passes/revocations")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:zoneops:problem:revocation_list_unavailable"
    assert "No revocation list has been published yet" in response.json()["title"]
    assert RevocationList.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_get_is_read_only_even_when_the_list_is_old(client, frozen, time_machine, issued):
    published = services.publish_revocation_list(actor=None)
    events = AuditEvent.objects.count()
    time_machine.move_to(frozen + dt.timedelta(hours=30), tick=False)
    body = client.get("/api/v1/passes/revocations").json()
    assert (body["version"], body["signed"]) == (published.version, published.signed)
    assert RevocationList.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_revoking_publishes_on_commit(client, issued, reviewer, second_reviewer, django_capture_on_commit_callbacks):
    revocation = services.request_revocation(actor=reviewer, pass_obj=issued, reason="骑手离职")
    assert RevocationList.objects.count() == 0  # a request changes nothing yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.approve_revocation(actor=second_reviewer, revocation=revocation)
    assert RevocationList.objects.count() == 0  # nothing before the commit
    for callback in callbacks:
        callback()
    latest = RevocationList.objects.get()
    assert (latest.version, latest.revoked, latest.suspended) == (1, ["SCJ-R-2022-0001"], [])
    message = cose.parse_sign1(_unb64(latest.signed))
    assert cose.check_signature(message, _root_public()[1])
    assert cbor2.loads(message.payload)[3] == ["SCJ-R-2022-0001"]
    assert client.get("/api/v1/passes/revocations").json()["revoked"] == ["SCJ-R-2022-0001"]


def test_suspend_and_resume_each_publish(issued, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.suspend_pass(actor=reviewer, pass_obj=issued, reason="站点整改")
    with django_capture_on_commit_callbacks(execute=True):
        services.resume_pass(actor=reviewer, pass_obj=issued)
    assert list(RevocationList.objects.order_by("version").values_list("version", "suspended")) == [
        (1, ["SCJ-R-2022-0001"]),
        (2, []),
    ]


def test_refresh_publishes_only_when_missing_old_or_out_of_step(frozen, time_machine, issued, reviewer):
    first = services.refresh_revocation_list()
    assert first.version == 1  # none existed
    assert services.refresh_revocation_list() is None  # fresh and current
    time_machine.move_to(frozen + dt.timedelta(hours=5), tick=False)
    assert services.refresh_revocation_list() is None
    time_machine.move_to(frozen + dt.timedelta(hours=6, minutes=1), tick=False)
    assert services.refresh_revocation_list().version == 2
    # A status change whose on-commit publication was lost: the next refresh repairs it however young the list.
    services.suspend_pass(actor=reviewer, pass_obj=issued, reason="站点整改")
    assert services.refresh_revocation_list().suspended == ["SCJ-R-2022-0001"]


def test_refresh_task_reports_what_it_did(frozen, time_machine, issued):
    result = refresh_revocation_list_task.enqueue()  # the immediate backend runs it at once in tests
    assert result.return_value == {"published": 1, "version": 1}
    assert refresh_revocation_list_task.enqueue().return_value == {"published": 0, "version": 1}
    time_machine.move_to(frozen + dt.timedelta(hours=7), tick=False)
    assert refresh_revocation_list_task.enqueue().return_value == {"published": 1, "version": 2}
    event = AuditEvent.objects.filter(action="passes.revocation_list_published").latest("pk")
    assert (event.source, event.request_id) == ("task", "revocation-refresh")


def test_refresh_task_is_scheduled_every_hour():
    (entry,) = [e for e in schedule.registered() if e.name == "passes.refresh_revocation_list"]
    assert entry.every == dt.timedelta(hours=1)
    module, _dot, name = entry.task_path.rpartition(".")
    assert getattr(importlib.import_module(module), name) is refresh_revocation_list_task


def test_hourly_refresh_keeps_verifiers_out_of_amber(frozen, time_machine, issued):
    """Run every hour for a day, the task never lets the list grow older than 6 h (+ 1 h between runs)."""
    services.refresh_revocation_list()
    for hour in range(1, 26):
        time_machine.move_to(frozen + dt.timedelta(hours=hour), tick=False)
        refresh_revocation_list_task.enqueue()
        latest = services.latest_revocation_list()
        assert frozen + dt.timedelta(hours=hour) - latest.issued_at <= dt.timedelta(hours=7)
