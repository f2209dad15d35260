"""Open311 GeoReport v2 conformance, written from the spec: formats, required fields, errors, filters, paging."""

import xml.etree.ElementTree as ET

import pytest
from django.utils.translation import gettext

from zoneops.accounts.models import ApiToken
from zoneops.accounts.tokens import new_raw_token, token_digest
from zoneops.servicedesk import services
from zoneops.servicedesk.choices import Channel
from zoneops.servicedesk.models import Case
from zoneops.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def key(user):
    raw = new_raw_token()
    ApiToken.objects.create(user=user, name="open311", prefix=raw[:8], digest=token_digest(raw))
    return raw


@pytest.fixture
def supply(zone):
    zone.general.extra_fields = [
        {"code": "workers", "label": "涉及人数", "type": "int", "required": True},
        {"code": "kind", "label": "物资", "type": "choice", "choices": ["肉", "菜"]},
    ]
    zone.general.save()
    return zone.general


def submit(client, api_key=None, **fields):
    data = {
        "service_code": "supply",
        "lat": "32.0091",
        "long": "120.9778",
        "description": "工地食品告急",
        "first_name": "建国",
        "last_name": "王",
        "phone": "13812345678",
        "attribute[workers]": "450",
    }
    data.update(fields)
    if api_key:
        data["api_key"] = api_key
    return client.post("/open311/v2/requests.json", {k: v for k, v in data.items() if v is not None})


def test_discovery_in_both_formats(client, zone, frozen):
    body = client.get("/open311/v2/discovery.json").json()
    assert set(body) >= {"changeset", "contact", "key_service", "endpoints"}
    endpoint = body["endpoints"][0]
    assert set(endpoint) == {"specification", "url", "changeset", "type", "formats"}
    assert endpoint["url"] == "http://testserver/open311/v2/"
    root = ET.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_service_list_and_definition(client, zone, supply):
    services_json = client.get("/open311/v2/services.json").json()
    item = next(s for s in services_json if s["service_code"] == "supply")
    assert item == {
        "service_code": "supply",
        "service_name": "后勤保供",
        "description": "后勤保供",
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "后勤保供",
    }
    response = client.get("/open311/v2/services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.findall("service")} == {"supply", "policy"}
    definition = client.get("/open311/v2/services/supply.json").json()
    assert definition["service_code"] == "supply"
    assert [(a["code"], a["datatype"], a["required"], a["order"]) for a in definition["attributes"]] == [
        ("workers", "number", True, 1),
        ("kind", "singlevaluelist", False, 2),
    ]
    assert definition["attributes"][1]["values"] == [{"key": "肉", "name": "肉"}, {"key": "菜", "name": "菜"}]
    root = ET.fromstring(client.get("/open311/v2/services/supply.xml").content)
    assert root.tag == "service_definition"
    assert [v.findtext("key") for v in root.find("attributes/attribute[2]/values")] == ["肉", "菜"]


def test_unknown_service_is_404_error_array(client, zone):
    response = client.get("/open311/v2/services/nope.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "service_code nope not found"}]
    response = client.get("/open311/v2/services/nope.xml")
    root = ET.fromstring(response.content)
    assert (response.status_code, root.tag, root.findtext("error/code")) == (404, "errors", "404")


def test_post_needs_a_valid_api_key_with_intake_permission(client, zone, supply, frozen):
    assert submit(client).status_code == 403
    assert submit(client, api_key="zo_wrong").status_code == 403
    response = submit(client, api_key=key(zone.zjj_user))
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"service_code": None}, "service_code is required"),
        ({"service_code": "nope"}, "service_code nope not found"),
        ({"lat": None, "long": None}, "a location is required: lat and long, address_string or address_id"),
        ({"description": "x" * 4001}, "description may be at most 4000 characters"),
        ({"attribute[workers]": "many"}, lambda: "extra.workers: " + gettext("Enter a whole number.")),
        ({"phone": "123"}, None),
    ],
)
def test_post_bad_input_is_400_and_writes_nothing(client, zone, supply, frozen, fields, message):
    response = submit(client, api_key=key(zone.desk), **fields)
    assert response.status_code == 400
    body = response.json()
    assert body[0]["code"] == 400
    if message:
        assert body[0]["description"] == (message() if callable(message) else message)
    assert Case.objects.count() == 0


def test_post_creates_a_case_and_returns_its_id(client, zone, supply, frozen):
    response = submit(client, api_key=key(zone.desk), account_id="A-7")
    assert response.status_code == 201
    assert response.json() == [{"service_request_id": "GD20220411-0001", "service_notice": "", "account_id": "A-7"}]
    case = Case.objects.get()
    assert (case.channel, case.category.code, case.requester_name, case.extra) == (
        "api",
        "supply",
        "王建国",
        {"workers": 450},
    )
    response = client.post(
        "/open311/v2/requests.xml",
        {
            "api_key": key(zone.desk),
            "service_code": "supply",
            "address_string": "小海十二期",
            "attribute[workers]": "3",
        },
    )
    root = ET.fromstring(response.content)
    assert (response.status_code, root.tag, root.findtext("request/service_request_id")) == (
        201,
        "service_requests",
        "GD20220411-0002",
    )
    assert Case.objects.get(number="GD20220411-0002").is_anonymous is True


def test_get_request_has_every_field_and_maps_status_agency_and_deadline(client, zone, supply, frozen):
    submit(client, api_key=key(zone.desk))
    case = Case.objects.get()
    services.dispatch_case(actor=zone.desk, case=case, department=zone.zjj)
    public = client.get(f"/open311/v2/requests/{case.number}.json").json()
    assert len(public) == 1 and list(public[0]) == REQUEST_FIELDS
    assert public[0]["status"] == "open"
    assert public[0]["agency_responsible"] == "住建局"
    assert public[0]["expected_datetime"] == "2022-04-18T09:30:00+08:00"
    assert public[0]["requested_datetime"] == "2022-04-11T09:30:00+08:00"
    assert public[0]["description"] is None and public[0]["lat"] is None  # personal data needs a key
    full = client.get(f"/open311/v2/requests/{case.number}.json", {"api_key": key(zone.desk)}).json()[0]
    assert (full["description"], full["lat"], full["long"]) == ("工地食品告急", 32.0091, 120.9778)
    root = ET.fromstring(client.get(f"/open311/v2/requests/{case.number}.xml").content)
    assert [child.tag for child in root.find("request")] == REQUEST_FIELDS
    assert client.get("/open311/v2/requests/GD19990101-0001.json").status_code == 404
    token = client.get(f"/open311/v2/tokens/{case.number}.json").json()
    assert token == [{"service_request_id": case.number, "token": case.number}]
    assert client.get("/open311/v2/tokens/nope.xml").status_code == 404


def test_get_request_with_a_key_respects_the_data_scope(client, zone, supply, frozen):
    submit(client, api_key=key(zone.desk))
    case = Case.objects.get()
    services.dispatch_case(actor=zone.desk, case=case, department=zone.zjj)
    assert client.get(f"/open311/v2/requests/{case.number}.json", {"api_key": key(zone.yjj_user)}).status_code == 404
    assert client.get(f"/open311/v2/requests/{case.number}.json", {"api_key": key(zone.zjj_user)}).status_code == 200


def make(zone, when, **kwargs):
    from time_machine import travel

    with travel(when, tick=False):
        return services.register_case(
            actor=zone.desk,
            channel=Channel.API,
            category=zone.general,
            title="t",
            description="d",
            requester_name="某某",
            **kwargs,
        )


def test_request_search_filters_defaults_and_paging(client, zone, supply, frozen):
    old = make(zone, at(2021, 12, 1, 10), extra={"workers": 1})
    recent = [make(zone, at(2022, 4, d, 10), extra={"workers": 1}) for d in (1, 2, 3)]
    other = make(zone, at(2022, 4, 4, 10), extra={"workers": 2})
    other.category = zone.consultation
    Case.objects.filter(pk=other.pk).update(category=zone.consultation, status="closed")

    def ids(**params):
        response = client.get("/open311/v2/requests.json", params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    # Default window: the last 90 days, newest first.
    assert ids() == [other.number] + [c.number for c in reversed(recent)]
    assert ids(service_code="supply") == [c.number for c in reversed(recent)]
    assert ids(status="closed") == [other.number]
    assert ids(status="open", service_code="supply,policy") == [c.number for c in reversed(recent)]
    assert ids(start_date="2022-04-02T00:00:00+08:00", end_date="2022-04-03") == [recent[2].number, recent[1].number]
    assert ids(start_date="2021-11-20", end_date="2021-12-31") == [old.number]
    # service_request_id overrides every other filter.
    assert ids(service_request_id=f"{old.number},{recent[0].number}", status="closed") == [recent[0].number, old.number]
    assert ids(page_size=2) == [other.number, recent[2].number]
    assert ids(page_size=2, page=2) == [recent[1].number, recent[0].number]
    for bad in (
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"start_date": "2022-01-01", "end_date": "2022-06-01"},
        {"start_date": "2022-04-03", "end_date": "2022-04-01"},
        {"page": "0"},
    ):
        response = client.get("/open311/v2/requests.xml", bad)
        assert response.status_code == 400
        assert ET.fromstring(response.content).findtext("error/code") == "400"


def test_unknown_format_is_not_found(client, zone):
    assert client.get("/open311/v2/services.csv").status_code == 404
