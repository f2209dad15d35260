"""Events recorded during a request carry its client IP and request id (core/middleware.py)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from zoneops.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_event_carries_the_requests_ip_and_echoed_request_id(client, auditor):
    client.force_login(auditor)

    response = client.get(
        reverse("audit:event-export"), REMOTE_ADDR="192.0.2.10", headers={"X-Request-ID": "trace-0123456789"}
    )

    assert response["X-Request-ID"] == "trace-0123456789"
    event = AuditEvent.objects.get(action="audit.exported")
    assert (event.ip, event.request_id, event.source) == ("192.0.2.10", "trace-0123456789", "web")


def test_an_unsafe_request_id_is_replaced_by_a_fresh_one(client, auditor):
    client.force_login(auditor)

    response = client.get(reverse("audit:event-export"), headers={"X-Request-ID": "bad id\r\n"})

    fresh = response["X-Request-ID"]
    assert len(fresh) == 32 and fresh != "bad id"
    assert AuditEvent.objects.get(action="audit.exported").request_id == fresh


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_forwarded_client_is_recorded(client, auditor):
    client.force_login(auditor)

    client.get(
        reverse("audit:event-export"), REMOTE_ADDR="10.0.0.5", headers={"X-Forwarded-For": "203.0.113.7, 10.0.0.9"}
    )

    assert AuditEvent.objects.get(action="audit.exported").ip == "203.0.113.7"


def test_forwarded_header_from_an_untrusted_peer_is_ignored(client, auditor):
    client.force_login(auditor)

    client.get(reverse("audit:event-export"), REMOTE_ADDR="198.51.100.1", headers={"X-Forwarded-For": "203.0.113.7"})

    assert AuditEvent.objects.get(action="audit.exported").ip == "198.51.100.1"
