"""Pass pages: review queue with batch approval, pass detail with QR, holder page, checkpoints, scan statistics."""

from __future__ import annotations

import re

import pytest

from zoneops.accounts.tests.factories import UserFactory
from zoneops.passes import services
from zoneops.passes.models import ApplicationStatus, Pass, PassApplication, PassStatus, Revocation
from zoneops.passes.tests.conftest import rider_values

INLINE = re.compile(r"<script(?![^>]*(src=|application/json))|\sstyle=")


def _no_inline(html: str) -> None:
    assert not INLINE.search(html), INLINE.search(html).group(0)


def test_review_queue_lists_submitted_and_batch_approves(client, frozen, reviewer, station, scj_key):
    first = services.submit_application(actor=reviewer, values=rider_values(station))
    second = services.submit_application(actor=reviewer, values=rider_values(station, holder_name="王强"))
    client.force_login(reviewer)
    page = client.get("/passes/applications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "李嘉庆" in html and "王强" in html
    _no_inline(html)
    response = client.post("/passes/applications/approve", {"ids": [first.pk, second.pk]})
    assert response.status_code == 302
    assert sorted(Pass.objects.values_list("serial", flat=True)) == ["SCJ-R-2022-0001", "SCJ-R-2022-0002"]


def test_single_review_needs_the_checklist(client, frozen, reviewer, station, scj_key):
    application = services.submit_application(actor=reviewer, values=rider_values(station))
    client.force_login(reviewer)
    detail = client.get(f"/passes/applications/{application.pk}/")
    assert "健康证" in detail.content.decode()
    client.post(f"/passes/applications/{application.pk}/review", {"decision": "approve", "checklist": ["identity"]})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    response = client.post(
        f"/passes/applications/{application.pk}/review",
        {"decision": "approve", "checklist": ["identity", "station", "health"]},
    )
    assert response.status_code == 302
    assert response["Location"] == "/passes/p/SCJ-R-2022-0001/"


def test_review_pages_scope_matrix(client, frozen, reviewer, outsider, station, rider_type):
    application = services.submit_application(actor=reviewer, values=rider_values(station))
    url = f"/passes/applications/{application.pk}/"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(f"{url}review", {"decision": "reject", "note": "x"}).status_code == 404
    assert PassApplication.objects.get().status == ApplicationStatus.SUBMITTED


def test_pass_detail_shows_qr_and_second_person_revokes(client, issued, reviewer, second_reviewer):
    client.force_login(reviewer)
    html = client.get("/passes/p/SCJ-R-2022-0001/").content.decode()
    assert "<svg" in html and issued.payload in html
    _no_inline(html)
    client.post("/passes/p/SCJ-R-2022-0001/action", {"action": "revoke", "reason": "骑手离职"})
    revocation = Revocation.objects.get()
    html = client.get("/passes/p/SCJ-R-2022-0001/").content.decode()
    assert "approve_revocation" not in html
    client.force_login(second_reviewer)
    html = client.get("/passes/p/SCJ-R-2022-0001/").content.decode()
    assert "approve_revocation" in html
    client.post("/passes/p/SCJ-R-2022-0001/action", {"action": "approve_revocation", "revocation": revocation.pk})
    assert Pass.objects.get().status == PassStatus.REVOKED


def test_pass_list_filters(client, issued, reviewer, outsider):
    client.force_login(reviewer)
    assert "SCJ-R-2022-0001" in client.get("/passes/", {"status": "valid", "type": "rider"}).content.decode()
    assert "SCJ-R-2022-0001" not in client.get("/passes/", {"status": "revoked"}).content.decode()
    client.force_login(outsider)
    assert "SCJ-R-2022-0001" not in client.get("/passes/").content.decode()
    assert client.get("/passes/p/SCJ-R-2022-0001/").status_code == 404


def test_holder_page_shows_own_pass_with_clock_and_moving_band(client, frozen, reviewer, station, scj_key):
    holder = UserFactory(username="rider")
    application = services.submit_application(actor=reviewer, values=rider_values(station), holder_user=holder)
    services.approve_application(
        actor=reviewer, application=application, checklist={"identity": True, "station": True, "health": True}
    )
    client.force_login(holder)
    html = client.get("/passes/mine").content.decode()
    assert "data-live-clock" in html and "zo-holder-dot" in html and "passes/holder.js" in html
    assert "<svg" in html and "123X" in html
    _no_inline(html)
    client.force_login(reviewer)
    assert "<svg" not in client.get("/passes/mine").content.decode()


@pytest.mark.parametrize("url", ["/passes/checkpoints/", "/passes/scans/"])
def test_checkpoints_and_stats_pages(client, issued, reviewer, guard, url):
    services.verify_pass(actor=guard, payload=issued.payload, checkpoint="ZYHY-N")
    client.force_login(reviewer)
    html = client.get(url).content.decode()
    assert "ZYHY-N" in html
    _no_inline(html)
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    assert client.get(url).status_code == 403


def test_verifier_page_and_service_worker(client, guard, reviewer):
    client.force_login(guard)
    html = client.get("/passes/verify").content.decode()
    assert "passes/verifier.js" in html and "data-reason-out-of-scope" in html
    _no_inline(html)
    worker = client.get("/passes/sw.js")
    assert worker["Service-Worker-Allowed"] == "/passes/"
    assert worker["Content-Type"].startswith("text/javascript")
    client.force_login(reviewer)  # may review, may not scan
    assert client.get("/passes/verify").status_code == 403


def test_station_registry_masks_the_manager_mobile(client, issued, reviewer, guard):
    from zoneops.accounts.tests.factories import grant

    grant(reviewer, "passes.view_deliverystation")
    client.force_login(reviewer)
    html = client.get("/passes/stations/").content.decode()
    assert "美团外卖竹行站" in html and "官鹏飞" in html
    assert "13912345678" not in html
    _no_inline(html)
    client.force_login(guard)
    assert client.get("/passes/stations/").status_code == 403


def test_printable_a6_cards_one_or_a_batch(client, issued, reviewer, outsider, station):
    client.force_login(reviewer)
    html = client.get("/passes/cards", {"serial": "SCJ-R-2022-0001"}).content.decode()
    assert html.count('class="zo-card-a6"') == 1 and "<svg" in html and "市场监督管理局" in html
    _no_inline(html)
    batch = client.get("/passes/cards", {"type": "rider", "station": station.pk}).content.decode()
    assert batch.count('class="zo-card-a6"') == 1
    client.force_login(outsider)
    assert 'class="zo-card-a6"' not in client.get("/passes/cards", {"serial": "SCJ-R-2022-0001"}).content.decode()


def test_verifier_page_pins_the_zone_root_key(client, guard, scj_key):
    """The root public key is embedded in the page (a JSON block, not a script) and is the trust list's signer."""
    import json

    client.force_login(guard)
    html = client.get("/passes/verify").content.decode()
    _no_inline(html)
    block = re.search(r'<script id="zone-root-key" type="application/json">(.*?)</script>', html)
    assert block is not None
    pinned = json.loads(block.group(1))
    trust_list = client.get("/api/v1/passes/trust-list").json()
    assert (pinned["kid"], pinned["x"], pinned["y"]) == (
        trust_list["root"]["kid"],
        trust_list["root"]["x"],
        trust_list["root"]["y"],
    )
    assert "d" not in pinned  # public half only
