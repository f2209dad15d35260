"""Printable A6 PDF cards: one pass (page and API), a 142-card batch, scope, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from reportlab.lib.pagesizes import A6

from zoneops.accounts.tests.factories import UserFactory
from zoneops.audit.models import AuditEvent
from zoneops.passes import pdf, services
from zoneops.passes.models import Pass


def _clone(issued: Pass, count: int) -> list[Pass]:
    """`count` more rider passes like `issued` (serials SCJ-R-2022-1001…), for batch tests."""
    clones = []
    for i in range(count):
        clone = Pass.objects.get(pk=issued.pk)
        clone.pk = None
        clone.application = None
        clone.serial = f"SCJ-R-2022-{1001 + i:04d}"
        clone.holder_name = f"骑手{i:03d}"
        clones.append(clone)
    return Pass.objects.bulk_create(clones)


def test_render_card_embeds_the_cjk_font_and_shows_the_serial(issued):
    data = pdf.render_cards([issued], compress=False)
    assert data.startswith(b"%PDF-")
    assert b"(SCJ-R-2022-0001)" in data  # the serial as plain text under the QR
    assert b"/FontFile2" in data  # the TrueType subset is embedded, not referenced
    assert b"/BaseFont /AAAAAA+WenQuanYiZenHei" in data  # the Chinese font, subset
    width, height = A6
    assert f"/MediaBox [ 0 0 {width:.4f} {height:.4f} ]".encode() in data  # 105 x 148 mm


def test_pass_pdf_page_is_audited(client, issued, reviewer):
    client.force_login(reviewer)
    response = client.get("/passes/p/SCJ-R-2022-0001/card.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    event = AuditEvent.objects.filter(action="passes.cards_exported").get()
    assert event.changes["count"] == 1
    assert event.changes["serials"] == ["SCJ-R-2022-0001"]


def test_pass_pdf_page_scope_matrix(client, issued, outsider):
    url = "/passes/p/SCJ-R-2022-0001/card.pdf"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get("/passes/p/NO-SUCH/card.pdf").status_code == 404
    assert not AuditEvent.objects.filter(action="passes.cards_exported").exists()


def test_api_pass_pdf(client, issued, reviewer, outsider):
    client.force_login(reviewer)
    response = client.get("/api/v1/passes/SCJ-R-2022-0001/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    client.force_login(outsider)
    assert client.get("/api/v1/passes/SCJ-R-2022-0001/pdf").status_code == 404
    client.logout()
    assert client.get("/api/v1/passes/SCJ-R-2022-0001/pdf").status_code == 401
    assert AuditEvent.objects.filter(action="passes.cards_exported").count() == 1


def test_batch_of_142_cards(client, issued, reviewer):
    _clone(issued, 141)
    client.force_login(reviewer)
    response = client.get("/passes/cards.pdf", {"type": "rider"})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response.content.count(b"/Type /Page\n") + response.content.count(b"/Type /Page ") == 142
    event = AuditEvent.objects.filter(action="passes.cards_exported").get()
    assert event.changes["count"] == 142


def test_batch_by_issuing_day_includes_expired_passes(client, issued, reviewer, time_machine):
    _clone(issued, 2)
    day = timezone.localdate(issued.issued_at)
    time_machine.move_to(issued.valid_to + dt.timedelta(days=1))  # every pass has expired
    client.force_login(reviewer)
    current = client.get("/passes/cards.pdf", {"type": "rider"})
    assert current.status_code == 302  # no current pass of the type: nothing printed, back to the list
    batch = client.get("/passes/cards.pdf", {"type": "rider", "issued_on": day.isoformat()})
    assert batch.status_code == 200
    assert batch.content.count(b"/Type /Page\n") + batch.content.count(b"/Type /Page ") == 3
    other_day = client.get(
        "/passes/cards.pdf", {"type": "rider", "issued_on": (day + dt.timedelta(days=1)).isoformat()}
    )
    assert other_day.status_code == 302  # nothing to print: back to the list with a message


def test_batch_by_serials_refuses_an_out_of_scope_serial(client, issued, reviewer, outsider):
    _clone(issued, 2)
    client.force_login(reviewer)
    ok = client.get("/passes/cards.pdf", {"serial": ["SCJ-R-2022-1001", "SCJ-R-2022-1002"]})
    assert ok.status_code == 200
    assert ok.content.count(b"/Type /Page\n") + ok.content.count(b"/Type /Page ") == 2
    client.force_login(outsider)
    assert client.get("/passes/cards.pdf", {"serial": ["SCJ-R-2022-1001"]}).status_code == 404
    assert AuditEvent.objects.filter(action="passes.cards_exported").count() == 1


def test_export_service_checks_scope(issued, outsider):
    from zoneops.core.errors import OutOfScope

    with pytest.raises(OutOfScope):
        services.export_pass_cards(actor=outsider, passes=[issued])
