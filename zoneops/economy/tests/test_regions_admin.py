"""Regions and peer sets defined by administrators: services (audit), validation, API and pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zoneops.audit.models import AuditEvent
from zoneops.core.errors import Conflict, DomainError, PermissionDenied
from zoneops.economy import services
from zoneops.economy.demo import CITY, ZONE
from zoneops.economy.models import PeerSet, Region, RegionKind
from zoneops.economy.tests.conftest import patch_json, post_json

pytestmark = pytest.mark.django_db

REGIONS = "/api/v1/economy/regions"
PEER_SETS = "/api/v1/economy/peer-sets"


def _state():
    """Everything these writes could touch, to prove a refused write changed nothing."""
    regions = list(Region.objects.order_by("code").values_list("code", "name", "kind", "parent__code", "sort_order"))
    peer_sets = [
        (p.code, p.name, sorted(p.regions.values_list("code", flat=True))) for p in PeerSet.objects.order_by("code")
    ]
    events = (
        AuditEvent.objects.filter(action__startswith="economy.region").count()
        + AuditEvent.objects.filter(action__startswith="economy.peer_set").count()
    )
    return regions, peer_sets, events


# --- services ----------------------------------------------------------------------------------------------------


def test_create_and_update_region_are_audited(seeded, admin_user):
    city = Region.objects.get(code=CITY)

    region = services.create_region(
        actor=admin_user, code="SZ", name="苏锡通园区", kind=RegionKind.ZONE, parent=city, sort_order=90
    )
    services.update_region(actor=admin_user, region=region, name="苏锡通科技产业园区", sort_order=95)

    region = Region.objects.get(code="SZ")
    assert (region.name, region.kind, region.parent, region.sort_order) == ("苏锡通科技产业园区", "zone", city, 95)
    created = AuditEvent.objects.get(action="economy.region_created")
    assert created.actor == admin_user
    assert created.changes == {"code": "SZ", "name": "苏锡通园区", "kind": "zone", "parent": CITY, "sort_order": 90}
    updated = AuditEvent.objects.get(action="economy.region_updated")
    assert updated.changes == {"name": ["苏锡通园区", "苏锡通科技产业园区"], "sort_order": [90, 95]}


def test_create_and_update_peer_set_are_audited(seeded, admin_user):
    peer_set = services.create_peer_set(actor=admin_user, code="nt-zones", name="国家级开发区", regions=[ZONE, "CC"])
    services.update_peer_set(actor=admin_user, peer_set=peer_set, name="国家级园区", regions=[ZONE, "HM"])

    peer_set = PeerSet.objects.get(code="nt-zones")
    assert peer_set.name == "国家级园区"
    assert sorted(peer_set.regions.values_list("code", flat=True)) == ["HM", ZONE]
    created = AuditEvent.objects.get(action="economy.peer_set_created")
    assert created.changes == {"code": "nt-zones", "name": "国家级开发区", "regions": ["CC", ZONE]}
    updated = AuditEvent.objects.get(action="economy.peer_set_updated")
    assert updated.changes == {"name": ["国家级开发区", "国家级园区"], "regions": [["CC", ZONE], ["HM", ZONE]]}


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"code": ""}, "code", DomainError),
        ({"code": "a b/c"}, "code", DomainError),
        ({"code": "CC"}, "code", Conflict),
        ({"name": "  "}, "name", DomainError),
        ({"kind": "province"}, "kind", DomainError),
        ({"parent": "CC"}, "parent", DomainError),  # a district is not a city
        ({"kind": RegionKind.CITY, "parent": CITY}, "parent", DomainError),  # a city has no parent city
    ],
)
def test_create_region_validation_names_the_field(seeded, admin_user, fields, field, error):
    data = {"code": "SZ", "name": "苏锡通园区", "kind": RegionKind.ZONE, "parent": CITY}
    data.update(fields)
    data["parent"] = Region.objects.get(code=data["parent"]) if data["parent"] else None
    before = _state()

    with pytest.raises(error) as caught:
        services.create_region(actor=admin_user, **data)

    assert caught.value.field == field
    assert _state() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "CC2"}, "code"),  # the code is stable
        ({"name": ""}, "name"),
        ({"kind": "village"}, "kind"),
        ({"kind": RegionKind.CITY, "parent": None}, "kind"),  # CC belongs to the peer set 市区
        ({"parent": "HM"}, "parent"),
        ({"sort_order": -1}, "sort_order"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_update_region_validation_names_the_field(seeded, admin_user, fields, field):
    if isinstance(fields.get("parent"), str):
        fields = {**fields, "parent": Region.objects.get(code=fields["parent"])}
    before = _state()

    with pytest.raises(DomainError) as caught:
        services.update_region(actor=admin_user, region=Region.objects.get(code="CC"), **fields)

    assert caught.value.field == field
    assert _state() == before


def test_a_city_with_regions_keeps_its_kind(seeded, admin_user):
    before = _state()

    with pytest.raises(DomainError) as caught:
        services.update_region(actor=admin_user, region=Region.objects.get(code=CITY), kind=RegionKind.DISTRICT)

    assert caught.value.field == "kind"
    assert _state() == before


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"code": ""}, "code", DomainError),
        ({"code": "nt-urban"}, "code", Conflict),
        ({"name": ""}, "name", DomainError),
        ({"regions": [ZONE, "XX"]}, "regions", DomainError),  # unknown code
        ({"regions": [ZONE, CITY]}, "regions", DomainError),  # a city cannot be a member
        ({"regions": []}, "regions", DomainError),
    ],
)
def test_create_peer_set_validation_names_the_field(seeded, admin_user, fields, field, error):
    data = {"code": "nt-zones", "name": "国家级开发区", "regions": [ZONE, "CC"]}
    data.update(fields)
    before = _state()

    with pytest.raises(error) as caught:
        services.create_peer_set(actor=admin_user, **data)

    assert caught.value.field == field
    assert _state() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "other"}, "code"),
        ({"name": " "}, "name"),
        ({"regions": ["XX"]}, "regions"),
        ({"name": "改名", "regions": [CITY]}, "regions"),  # nothing written, not even the name
    ],
)
def test_update_peer_set_validation_names_the_field(seeded, admin_user, fields, field):
    before = _state()

    with pytest.raises(DomainError) as caught:
        services.update_peer_set(actor=admin_user, peer_set=PeerSet.objects.get(code="nt-urban"), **fields)

    assert caught.value.field == field
    assert _state() == before


def test_writes_need_manage_indicator(seeded, clerk):
    before = _state()

    with pytest.raises(PermissionDenied):
        services.create_region(actor=clerk, code="SZ", name="苏锡通园区", kind=RegionKind.ZONE)
    with pytest.raises(PermissionDenied):
        services.update_peer_set(actor=clerk, peer_set=PeerSet.objects.get(code="nt-urban"), name="改名")

    assert _state() == before


# --- API ---------------------------------------------------------------------------------------------------------


def test_api_creates_and_updates_a_region(client, seeded, admin_user):
    client.force_login(admin_user)

    created = post_json(client, REGIONS, {"code": "SZ", "name": "苏锡通园区", "kind": "zone", "parent": CITY})
    updated = patch_json(client, f"{REGIONS}/SZ", {"name": "苏锡通科技产业园区", "sort_order": 95})
    listed = client.get(REGIONS).json()

    assert created.status_code == 201, created.content
    assert created.json() == {"code": "SZ", "name": "苏锡通园区", "kind": "zone", "parent": CITY, "sort_order": 0}
    assert updated.status_code == 200
    assert updated.json()["name"] == "苏锡通科技产业园区"
    assert {r["code"]: r for r in listed["items"]}["SZ"]["sort_order"] == 95
    assert listed["count"] == 10


def test_api_creates_lists_and_updates_a_peer_set(client, seeded, admin_user, reader):
    client.force_login(admin_user)

    created = post_json(client, PEER_SETS, {"code": "nt-zones", "name": "国家级开发区", "regions": ["CC", ZONE]})
    updated = patch_json(client, f"{PEER_SETS}/nt-zones", {"regions": [ZONE, "HM", "TZ"]})
    client.force_login(reader)
    listed = client.get(PEER_SETS)

    assert created.status_code == 201, created.content
    assert created.json() == {"code": "nt-zones", "name": "国家级开发区", "regions": [ZONE, "CC"]}
    assert updated.status_code == 200
    assert updated.json()["regions"] == [ZONE, "TZ", "HM"]  # in the regions' sort order
    assert listed.status_code == 200
    assert listed.json() == {
        "items": [
            {"code": "nt-urban", "name": "市区", "regions": [ZONE, "CC", "TZ", "HM"]},
            {"code": "nt-zones", "name": "国家级开发区", "regions": [ZONE, "TZ", "HM"]},
        ],
        "count": 2,
    }


@pytest.mark.parametrize(
    ("method", "url", "payload", "field"),
    [
        ("post", REGIONS, {"code": "SZ", "name": "园区", "kind": "zone", "parent": "CC"}, "parent"),
        ("post", REGIONS, {"code": "SZ", "name": "园区", "kind": "zone", "parent": "NOPE"}, "parent"),
        ("post", REGIONS, {"code": "SZ", "name": " ", "kind": "zone"}, "name"),
        ("patch", f"{REGIONS}/CC", {"kind": "city", "parent": None}, "kind"),
        ("post", PEER_SETS, {"code": "z", "name": "Z", "regions": ["XX"]}, "regions"),
        ("post", PEER_SETS, {"code": "z", "name": "Z", "regions": [CITY]}, "regions"),
        ("patch", f"{PEER_SETS}/nt-urban", {"regions": None}, "regions"),
        ("patch", f"{PEER_SETS}/nt-urban", {"regions": [ZONE, "XX"]}, "regions"),
    ],
)
def test_api_validation_400_names_the_field(client, seeded, admin_user, method, url, payload, field):
    client.force_login(admin_user)
    before = _state()

    send = post_json if method == "post" else patch_json
    response = send(client, url, payload)

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == field
    assert _state() == before


def test_api_duplicate_code_is_a_conflict(client, seeded, admin_user):
    client.force_login(admin_user)
    before = _state()

    region = post_json(client, REGIONS, {"code": "CC", "name": "崇川", "kind": "district", "parent": CITY})
    peer_set = post_json(client, PEER_SETS, {"code": "nt-urban", "name": "市区", "regions": [ZONE]})

    assert (region.status_code, peer_set.status_code) == (409, 409)
    assert _state() == before


def test_api_unknown_codes_404(client, seeded, admin_user):
    client.force_login(admin_user)

    assert patch_json(client, f"{REGIONS}/NOPE", {"name": "X"}).status_code == 404
    assert patch_json(client, f"{PEER_SETS}/nope", {"name": "X"}).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "nobody", "reader", "clerk"])
def test_api_writes_refused_change_nothing(client, seeded, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    before = _state()

    responses = [
        post_json(client, REGIONS, {"code": "SZ", "name": "园区", "kind": "zone", "parent": CITY}),
        patch_json(client, f"{REGIONS}/CC", {"name": "改名"}),
        post_json(client, PEER_SETS, {"code": "z", "name": "Z", "regions": [ZONE]}),
        patch_json(client, f"{PEER_SETS}/nt-urban", {"name": "改名"}),
    ]

    expected = 401 if who == "anonymous" else 403
    assert [r.status_code for r in responses] == [expected] * 4
    assert _state() == before


def test_api_peer_sets_read_access(client, seeded, nobody):
    assert client.get(PEER_SETS).status_code == 401
    client.force_login(nobody)
    assert client.get(PEER_SETS).status_code == 404


def test_openapi_documents_the_region_and_peer_set_writes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {"get", "post"} <= set(paths[REGIONS])
    assert "patch" in paths[f"{REGIONS}/{{code}}"]
    assert {"get", "post"} <= set(paths[PEER_SETS])
    assert "patch" in paths[f"{PEER_SETS}/{{code}}"]


# --- pages -------------------------------------------------------------------------------------------------------


def test_pages_refused_for_a_reader(client, seeded, reader):
    client.force_login(reader)
    before = _state()

    urls = [
        reverse("economy:regions"),
        reverse("economy:region-create"),
        reverse("economy:region-edit", args=["CC"]),
        reverse("economy:peer-set-create"),
        reverse("economy:peer-set-edit", args=["nt-urban"]),
    ]
    posted = client.post(reverse("economy:region-create"), {"code": "SZ", "name": "园区", "kind": "zone"})

    assert [client.get(u).status_code for u in urls] == [403] * 5
    assert posted.status_code == 403
    assert _state() == before
    assert b"economy/regions/" not in client.get(reverse("economy:indicators")).content


def test_list_page_shows_regions_and_peer_sets_and_is_linked(client, seeded, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("economy:regions"))
    indicators = client.get(reverse("economy:indicators"))

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<tr data-region="') == 9
    assert '<tr data-peer-set="nt-urban">' in html
    assert "南通开发区、崇川区、通州区、海门区" in html
    assert reverse("economy:regions") in indicators.content.decode()


def test_region_pages_save_for_a_manager(client, seeded, admin_user):
    client.force_login(admin_user)
    data = {"code": "SZ", "name": "苏锡通园区", "kind": "zone", "parent": CITY, "sort_order": "90"}

    form = client.get(reverse("economy:region-create"))
    created = client.post(reverse("economy:region-create"), data)
    edit_page = client.get(reverse("economy:region-edit", args=["SZ"]))
    bad = client.post(reverse("economy:region-edit", args=["SZ"]), {**data, "kind": "city"})
    edited = client.post(reverse("economy:region-edit", args=["SZ"]), {**data, "code": "XX", "name": "苏锡通"})

    assert form.status_code == 200
    assert created.status_code == 302 and created["Location"] == reverse("economy:regions")
    assert edit_page.status_code == 200 and "苏锡通园区" in edit_page.content.decode()
    assert bad.status_code == 200 and b"is-invalid" in bad.content  # a city cannot have a parent city
    assert edited.status_code == 302
    region = Region.objects.get(code="SZ")  # the disabled code field ignores the posted "XX"
    assert (region.name, region.kind, region.parent.code, region.sort_order) == ("苏锡通", "zone", CITY, 90)
    assert not Region.objects.filter(code="XX").exists()
    assert AuditEvent.objects.filter(action__in=["economy.region_created", "economy.region_updated"]).count() == 2


def test_peer_set_pages_save_for_a_manager(client, seeded, admin_user):
    client.force_login(admin_user)

    form = client.get(reverse("economy:peer-set-create"))
    created = client.post(
        reverse("economy:peer-set-create"), {"code": "nt-zones", "name": "国家级开发区", "regions": [ZONE, "CC"]}
    )
    edit_page = client.get(reverse("economy:peer-set-edit", args=["nt-zones"]))
    empty = client.post(reverse("economy:peer-set-edit", args=["nt-zones"]), {"name": "国家级开发区"})
    edited = client.post(
        reverse("economy:peer-set-edit", args=["nt-zones"]), {"name": "国家级园区", "regions": [ZONE, "HM"]}
    )

    assert form.status_code == 200
    assert f'value="{CITY}"' not in form.content.decode()  # a city is not offered as a member
    assert created.status_code == 302
    assert edit_page.status_code == 200
    assert f'value="{ZONE}" checked' in edit_page.content.decode()
    assert empty.status_code == 200 and b"invalid-feedback" in empty.content
    assert edited.status_code == 302
    peer_set = PeerSet.objects.get(code="nt-zones")
    assert peer_set.name == "国家级园区"
    assert sorted(peer_set.regions.values_list("code", flat=True)) == ["HM", ZONE]
