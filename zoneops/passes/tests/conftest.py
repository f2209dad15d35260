"""Fixtures of the passes tests: a temporary key directory, departments, checkpoints, pass types, users."""

from __future__ import annotations

import datetime as dt

import pytest

from zoneops.accounts.models import DataScope, DepartmentKind
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant
from zoneops.passes import services
from zoneops.passes.models import Area, Checkpoint, CheckpointKind, DeliveryStation, PassType, Platform

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2022, 4, 12, 9, 30, tzinfo=TZ)

REVIEWER_PERMS = (
    "passes.view_passapplication",
    "passes.add_passapplication",
    "passes.change_passapplication",
    "passes.view_pass",
    "passes.add_pass",
    "passes.change_pass",
    "passes.approve_revocation",
    "passes.view_checkpoint",
    "passes.view_scan",
)


@pytest.fixture(autouse=True)
def key_dir(settings, tmp_path):
    """Private keys go to a temporary directory, never to var/keys."""
    settings.PASS_KEY_DIR = str(tmp_path / "keys")
    return tmp_path / "keys"


@pytest.fixture
def frozen(time_machine):
    """The clock at 2022-04-12 09:30 Asia/Shanghai."""
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def scj(db):
    return DepartmentFactory(code="SCJ", name="市场监督管理局")


@pytest.fixture
def kk(db):
    return DepartmentFactory(code="KK", name="卡口管理办公室")


@pytest.fixture
def zx(db):
    return DepartmentFactory(code="ZX", name="竹行街道", kind=DepartmentKind.SUBDISTRICT)


@pytest.fixture
def checkpoints(db, zx):
    """Two compound gates in area ZX-GATES and two highway exits (35 km apart)."""
    gates = Area.objects.create(code="ZX-GATES", name="竹行街道小区门岗")
    return {
        "ZYHY-N": Checkpoint.objects.create(
            code="ZYHY-N",
            name="竹韵花园北门",
            kind=CheckpointKind.COMPOUND_GATE,
            subdistrict=zx,
            area=gates,
            latitude="32.0100",
            longitude="120.9000",
        ),
        "ZYHY-S": Checkpoint.objects.create(
            code="ZYHY-S",
            name="竹韵花园南门",
            kind=CheckpointKind.COMPOUND_GATE,
            subdistrict=zx,
            area=gates,
            latitude="32.0080",
            longitude="120.9000",
        ),
        "G15-NT": Checkpoint.objects.create(
            code="G15-NT",
            name="G15沈海高速南通出口",
            kind=CheckpointKind.HIGHWAY_EXIT,
            latitude="32.0000",
            longitude="120.8000",
        ),
        "G40-HM": Checkpoint.objects.create(
            code="G40-HM",
            name="G40沪陕高速海门出口",
            kind=CheckpointKind.HIGHWAY_EXIT,
            latitude="31.9000",
            longitude="121.1500",
        ),
    }


@pytest.fixture
def rider_type(scj, checkpoints):
    return PassType.objects.create(
        code="rider",
        name="外卖骑手通行证",
        issuing_department=scj,
        required_qualifications=[
            {"key": "station", "label": "配送站点", "kind": "field"},
            {"key": "health", "label": "健康证", "kind": "document", "types": ["pdf", "jpg"], "max_kb": 2048},
        ],
        max_validity_days=30,
        grantable_scope=["ZX-GATES"],
    )


@pytest.fixture
def freight_type(scj, checkpoints):
    return PassType.objects.create(
        code="freight",
        name="货运车辆通行证",
        issuing_department=scj,
        required_qualifications=[
            {"key": "route", "label": "路线", "kind": "field"},
            {
                "key": "negative_test",
                "label": "48小时核酸阴性证明",
                "kind": "document",
                "types": ["pdf"],
                "max_kb": 2048,
                "max_age_hours": 48,
            },
        ],
        max_validity_days=14,
        grantable_scope=["G15-NT", "G40-HM"],
        needs_plate=True,
    )


@pytest.fixture
def station(db):
    return DeliveryStation.objects.create(
        platform=Platform.MEITUAN, name="美团外卖竹行站", manager_name="官鹏飞", manager_mobile="13912345678"
    )


@pytest.fixture
def scj_key(scj, rider_type, freight_type):
    return services.create_signing_key(actor=None, department=scj, allowed_types=["rider", "freight"])


@pytest.fixture
def reviewer(scj):
    user = UserFactory(username="msb", department=scj)
    grant(user, *REVIEWER_PERMS, scope=DataScope.CUSTOM, departments=[scj])
    return user


@pytest.fixture
def second_reviewer(scj):
    user = UserFactory(username="msb2", department=scj)
    grant(user, *REVIEWER_PERMS, scope=DataScope.CUSTOM, departments=[scj])
    return user


@pytest.fixture
def guard(kk):
    user = UserFactory(username="guard", department=kk)
    grant(user, "passes.add_scan", "passes.view_checkpoint", scope=DataScope.DEPARTMENT)
    return user


@pytest.fixture
def outsider(db):
    """Holds every pass permission, for another department only."""
    other = DepartmentFactory(code="JFJ", name="教育局")
    user = UserFactory(username="outsider", department=other)
    grant(user, *REVIEWER_PERMS, scope=DataScope.CUSTOM, departments=[other])
    return user


RIDER_ID = "32060219900101123X"


def rider_values(station_obj, **extra):
    values = {
        "pass_type": "rider",
        "holder_name": "李嘉庆",
        "id_number": RIDER_ID,
        "mobile": "13812345678",
        "station": station_obj,
        "scope_codes": ["ZX-GATES"],
        "valid_from": dt.date(2022, 4, 12),
        "valid_days": 30,
        "documents": {"health": {"name": "health.pdf", "size_kb": 300}},
    }
    values.update(extra)
    return values


@pytest.fixture
def issued(frozen, reviewer, station, scj_key):
    """李嘉庆's rider pass, approved by msb."""
    application = services.submit_application(actor=reviewer, values=rider_values(station))
    return services.approve_application(
        actor=reviewer, application=application, checklist={"identity": True, "station": True, "health": True}
    )


REGISTRAR_PERMS = ("passes.view_checkpoint", "passes.add_checkpoint", "passes.change_checkpoint")
SUPERVISOR_PERMS = (
    "passes.view_deliverystation",
    "passes.add_deliverystation",
    "passes.change_deliverystation",
    "passes.add_stationinspection",
    "passes.change_stationinspection",
)


@pytest.fixture
def registrar(kk):
    """The checkpoint office's registry clerk: keeps the checkpoint registry."""
    user = UserFactory(username="kk-registrar", department=kk)
    grant(user, *REGISTRAR_PERMS, scope=DataScope.ALL)
    return user


@pytest.fixture
def supervisor(scj):
    """A market-supervision officer: keeps the station registry and records inspections."""
    user = UserFactory(username="scj-officer", department=scj, full_name="王瑞涛")
    grant(user, *SUPERVISOR_PERMS, scope=DataScope.DEPARTMENT)
    return user


def tampered_checkpoint_list(moved: str = "G15-NT", into: str = "ZX-GATES") -> dict:
    """The signed checkpoint list with checkpoint `moved` put into area `into` (and a later issued_at), its root
    signature kept: a forger's way to make a pass scoped to `into` good at `moved`. It must not verify."""
    import base64

    import cbor2

    genuine = services.signed_checkpoint_list()
    raw = cbor2.loads(base64.urlsafe_b64decode(genuine["signed"] + "=" * (-len(genuine["signed"]) % 4)))
    tagged = isinstance(raw, cbor2.CBORTag)
    parts = list(raw.value if tagged else raw)
    content = cbor2.loads(parts[2])
    for checkpoint in content["checkpoints"]:
        if checkpoint["code"] == moved:
            checkpoint["areas"] = [into]
    content["issued_at"] += 3600
    parts[2] = cbor2.dumps(content)
    signed = services.b64url(cbor2.dumps(cbor2.CBORTag(18, parts) if tagged else parts))
    return {**genuine, "items": content["checkpoints"], "issued_at": content["issued_at"], "signed": signed}
