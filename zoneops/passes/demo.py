"""Demo passes (idempotent): the seed's 142 rider passes of April 2022, freight and staff passes, checkpoints, scans.

Keys are generated on the first run into the key directory (var/keys by default); later runs reuse them.
Besides the 2022 history, a few passes valid from the day the demo runs make the verifier green today.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import Permission
from django.utils import timezone

from zoneops.accounts.models import DataScope, Department, Role, User
from zoneops.core import clock
from zoneops.core.validators import id_check_char
from zoneops.passes import keys, services
from zoneops.passes.models import (
    ApplicationStatus,
    Area,
    Checkpoint,
    CheckpointKind,
    DeliveryStation,
    KeyPurpose,
    Pass,
    PassApplication,
    PassType,
    Platform,
    RevocationStatus,
    Scan,
    ScanSource,
    SigningKey,
    StationInspection,
)

SEED = 20220412
RIDER_PASSES = 142

AREAS = [
    ("ZX-GATES", "竹行街道小区门岗"),
    ("XH-GATES", "小海街道小区门岗"),
    ("HWY", "开发区高速出入口"),
    ("ROADS", "开发区道路卡口"),
]
# (code, name, kind, location, subdistrict code, area code, latitude, longitude)
CHECKPOINTS = [
    (
        "ZYHY-N",
        "竹韵花园北门",
        CheckpointKind.COMPOUND_GATE,
        "竹行街道竹韵花园北门",
        "ZX",
        "ZX-GATES",
        "32.0065",
        "120.9183",
    ),
    (
        "ZYHY-S",
        "竹韵花园南门",
        CheckpointKind.COMPOUND_GATE,
        "竹行街道竹韵花园南门",
        "ZX",
        "ZX-GATES",
        "32.0041",
        "120.9190",
    ),
    (
        "ZH-E",
        "竹行社区东门",
        CheckpointKind.COMPOUND_GATE,
        "竹行街道竹行社区东门",
        "ZX",
        "ZX-GATES",
        "32.0102",
        "120.9255",
    ),
    (
        "CQ-W",
        "长桥社区西门",
        CheckpointKind.COMPOUND_GATE,
        "竹行街道长桥社区西门",
        "ZX",
        "ZX-GATES",
        "31.9987",
        "120.9121",
    ),
    (
        "XH-12",
        "小海十二期安置房门岗",
        CheckpointKind.COMPOUND_GATE,
        "小海街道小海十二期",
        "XH",
        "XH-GATES",
        "31.9650",
        "120.9702",
    ),
    (
        "G15-NTKFQ",
        "G15沈海高速南通开发区出口",
        CheckpointKind.HIGHWAY_EXIT,
        "G15沈海高速",
        None,
        "HWY",
        "31.9702",
        "120.8857",
    ),
    ("S19-ZX", "S19通启高速竹行出口", CheckpointKind.HIGHWAY_EXIT, "S19通启高速", None, "HWY", "32.0213", "120.9630"),
    ("G40-XH", "G40沪陕高速小海出口", CheckpointKind.HIGHWAY_EXIT, "G40沪陕高速", None, "HWY", "31.9258", "121.0540"),
    ("RD-XHDD", "星湖大道卡口", CheckpointKind.ROAD, "星湖大道与通盛大道交叉口", "ZX", "ROADS", "32.0150", "120.8990"),
    ("RD-ZXL", "振兴路卡口", CheckpointKind.ROAD, "振兴路与新开南路交叉口", "ZXZ", "ROADS", "32.0301", "120.8822"),
    ("HOSP-RC", "南通瑞慈医院急诊入口", CheckpointKind.HOSPITAL, "南通瑞慈医院", None, "ROADS", "32.0455", "120.8620"),
]

PASS_TYPES = [
    {
        "code": "rider",
        "name": "外卖骑手疫情防控出入通行证明",
        "department": "SCJ",
        "required_qualifications": [
            {"key": "station", "label": "所属配送站点", "kind": "field"},
            {"key": "health_code", "label": "健康码截图", "kind": "document", "types": ["jpg", "png"], "max_kb": 2048},
            {
                "key": "negative_test",
                "label": "48小时核酸阴性证明",
                "kind": "document",
                "types": ["pdf", "jpg", "png"],
                "max_kb": 2048,
                "max_age_hours": 48,
            },
        ],
        "max_validity_days": 30,
        "grantable_scope": ["ZX-GATES", "XH-GATES", "ROADS"],
        "needs_plate": False,
    },
    {
        "code": "freight",
        "name": "重点企业货运车辆通行证",
        "department": "ZB-QY",
        "required_qualifications": [
            {"key": "route", "label": "行驶路线", "kind": "field"},
            {
                "key": "negative_test",
                "label": "48小时核酸阴性证明",
                "kind": "document",
                "types": ["pdf", "jpg"],
                "max_kb": 2048,
                "max_age_hours": 48,
            },
            {"key": "escort", "label": "点对点护送安排", "kind": "document", "types": ["pdf"], "max_kb": 4096},
        ],
        "max_validity_days": 14,
        "grantable_scope": ["HWY", "ROADS"],
        "needs_plate": True,
    },
    {
        "code": "staff",
        "name": "防疫工作人员通行证",
        "department": "KK",
        "required_qualifications": [
            {"key": "work_certificate", "label": "单位工作证明", "kind": "document", "types": ["pdf"], "max_kb": 2048},
        ],
        "max_validity_days": 90,
        "grantable_scope": ["ZX-GATES", "XH-GATES", "ROADS", "HWY"],
        "needs_plate": False,
    },
    {
        "code": "temporary",
        "name": "临时通行证明",
        "department": "KK",
        "required_qualifications": [
            {
                "key": "negative_test",
                "label": "24小时核酸阴性证明",
                "kind": "document",
                "types": ["pdf", "jpg"],
                "max_kb": 2048,
                "max_age_hours": 24,
            },
        ],
        "max_validity_days": 3,
        "grantable_scope": ["ZX-GATES", "XH-GATES", "ROADS"],
        "needs_plate": False,
    },
]

# (platform, station name, manager, manager mobile, riders)
STATIONS = [
    (Platform.MEITUAN, "美团外卖开发区竹行站", "官鹏飞", "13506291142", 78),
    (Platform.ELEME, "饿了么开发区星湖站", "顾建军", "13506291187", 41),
    (Platform.DADA, "达达快送开发区站", "施晓东", "13506291203", 23),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建亮成佳嘉庆峰晨"
DOCS_RIDER = {
    "health_code": {"name": "health_code.jpg", "size_kb": 180},
    "negative_test": {"name": "negative_test.pdf", "size_kb": 240},
}


def _tz():
    return timezone.get_default_timezone()


def _id_number(rng: random.Random, born: dt.date) -> str:
    first17 = f"320691{born:%Y%m%d}{rng.randrange(100, 999)}"
    return first17 + id_check_char(first17)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(100000000, 999999999)}"


def _rider_names(rng: random.Random, count: int) -> list[str]:
    names = ["李嘉庆"]
    seen = set(names)
    while len(names) < count:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _grant_permissions(demo) -> None:
    """Market supervision issues passes and keeps stations and inspections; the checkpoint office keeps checkpoints."""

    def perms(*codenames: str) -> list[Permission]:
        return list(Permission.objects.filter(content_type__app_label="passes", codename__in=codenames))

    issuer_perms = perms(
        "view_passapplication",
        "add_passapplication",
        "change_passapplication",
        "view_pass",
        "add_pass",
        "change_pass",
        "approve_revocation",
        "view_checkpoint",
        "view_scan",
        "view_deliverystation",
    )
    station_perms = perms(
        "add_deliverystation",
        "change_deliverystation",
        "add_stationinspection",
        "change_stationinspection",
    )
    for role in Role.objects.filter(code="market_supervision"):
        role.permissions.add(*issuer_perms, *station_perms)
    checker, _created = Role.objects.update_or_create(
        code="pass_checker",
        defaults={"name": "卡口查验员", "data_scope": DataScope.ALL, "description": "卡口查验通行证、查看查验统计"},
    )
    checker.permissions.add(*perms("add_scan", "view_checkpoint", "view_scan", "view_pass"))
    officers = Role.objects.filter(code="department_staff")
    for user in User.objects.filter(department__code="KK", roles__in=officers).distinct():
        user.roles.add(checker)
    registrar, _created = Role.objects.update_or_create(
        code="checkpoint_admin",
        defaults={
            "name": "卡口管理员",
            "data_scope": DataScope.ALL,
            "description": "维护卡口台账：新增、修改、停用卡口",
        },
    )
    registrar.permissions.set(perms("view_checkpoint", "add_checkpoint", "change_checkpoint", "view_scan"))
    for user in User.objects.filter(department__code="KK", is_active=True):
        user.roles.add(registrar)
    for code, dept in (("pass_issuer_kk", "KK"), ("pass_issuer_enterprise", "ZB-QY")):
        role, _created = Role.objects.update_or_create(
            code=code, defaults={"name": f"通行证签发（{dept}）", "data_scope": DataScope.DEPARTMENT}
        )
        role.permissions.set(issuer_perms)
        for user in User.objects.filter(department__code=dept, is_active=True):
            user.roles.add(role)


def _ensure_keys(departments: dict[str, Department]) -> None:
    wanted = {"SCJ": ["rider"], "ZB-QY": ["freight"], "KK": ["staff", "temporary"]}
    for code, types in wanted.items():
        department = departments[code]
        current = [
            k
            for k in SigningKey.objects.filter(
                purpose=KeyPurpose.PASS, department=department, retired_at__isnull=True, withdrawn_at__isnull=True
            )
            if keys.load_private_key(k.kid) is not None and sorted(k.allowed_types) == sorted(types)
        ]
        if not current:
            services.create_signing_key(actor=None, department=department, allowed_types=types)
    services.root_key()


def _issue(pass_type: PassType, values: dict, *, issued_at: dt.datetime, reviewer: User | None, holder=None) -> Pass:
    application = PassApplication.objects.create(
        pass_type=pass_type,
        department=pass_type.issuing_department,
        status=ApplicationStatus.APPROVED,
        reviewer=reviewer,
        reviewed_at=issued_at,
        submitted_at=issued_at - dt.timedelta(hours=3),
        updated_at=issued_at,
        checklist={key: True for key, _label in services.checklist_items(pass_type)},
        holder_user=holder,
        **values,
    )
    return services.issue_pass(actor=None, application=application, issued_at=issued_at)


def build(demo) -> None:
    """Create or refresh the demo passes."""
    departments = {d.code: d for d in Department.objects.filter(code__in=["SCJ", "KK", "ZB-QY", "ZX", "XH", "ZXZ"])}
    users = demo.objects.get("users", {})
    enterprises = demo.objects.get("enterprises", {})
    msb = users.get("msb") or User.objects.filter(username="msb").first()
    gridworker = users.get("gridworker") or User.objects.filter(username="gridworker").first()
    _grant_permissions(demo)

    areas = {}
    for code, name in AREAS:
        areas[code], _created = Area.objects.update_or_create(code=code, defaults={"name": name})
    checkpoints = {}
    for code, name, kind, location, sub, area, lat, lon in CHECKPOINTS:
        checkpoints[code], _created = Checkpoint.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "location": location,
                "subdistrict": departments.get(sub) if sub else None,
                "area": areas[area],
                "latitude": lat,
                "longitude": lon,
            },
        )
    types = {}
    for spec in PASS_TYPES:
        types[spec["code"]], _created = PassType.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "issuing_department": departments[spec["department"]],
                "required_qualifications": spec["required_qualifications"],
                "max_validity_days": spec["max_validity_days"],
                "grantable_scope": spec["grantable_scope"],
                "needs_plate": spec["needs_plate"],
            },
        )
    _ensure_keys(departments)

    rng = random.Random(SEED)
    stations = []
    for platform, name, manager, mobile, riders in STATIONS:
        station, _created = DeliveryStation.objects.update_or_create(
            name=name,
            defaults={
                "platform": platform,
                "manager_name": manager,
                "manager_mobile": mobile,
                "enterprise": enterprises.get("meituan_station") if platform == Platform.MEITUAN else None,
                "address": "南通市经济技术开发区",
            },
        )
        stations.append((station, riders))
        if not station.inspections.exists():
            StationInspection.objects.create(
                station=station,
                inspected_on=dt.date(2022, 4, 6),
                inspector=msb,
                passed=True,
                findings="骑手健康码、核酸检测记录齐全；配送箱每日消杀台账完整。",
            )
            StationInspection.objects.create(
                station=station,
                inspected_on=dt.date(2022, 4, 15),
                inspector=msb,
                passed=platform != Platform.DADA,
                findings="复查：消杀记录已补齐。" if platform != Platform.DADA else "2名骑手核酸超48小时，责令整改。",
            )

    # 142 rider passes, April 2022 (history, expired by now).
    names = _rider_names(rng, RIDER_PASSES)
    created = 0
    index = 0
    for station, riders in stations:
        for _ in range(riders):
            index += 1
            serial = f"SCJ-R-2022-{index:04d}"
            born = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 27))
            id_number = _id_number(rng, born)
            mobile = _mobile(rng)
            day = dt.date(2022, 4, 6) + dt.timedelta(days=min(index // 12, 14))
            if Pass.objects.filter(serial=serial).exists():
                continue
            _issue(
                types["rider"],
                {
                    "holder_name": names[index - 1],
                    "id_number": id_number,
                    "mobile": mobile,
                    "station": station,
                    "scope_codes": ["ZX-GATES", "ROADS"],
                    "valid_from": day,
                    "valid_days": 30,
                    "documents": DOCS_RIDER,
                },
                issued_at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=_tz()) - dt.timedelta(days=1),
                reviewer=msb,
            )
            created += 1

    xingchen = enterprises.get("xingchen")
    freight_history = [
        ("陈国平", "苏F3K729", "星辰合成材料厂区→S19通启高速竹行出口→G15沈海高速（原料进厂）", ["HWY"]),
        ("黄海东", "苏F7M316", "G40沪陕高速小海出口→星湖大道→星辰合成材料厂区（成品出厂）", ["HWY", "ROADS"]),
        ("沈卫国", "苏FD26815", "星辰合成材料厂区→G15沈海高速南通开发区出口（危化品专用车）", ["G15-NTKFQ"]),
    ]
    for number, (driver, plate, route, scope) in enumerate(freight_history, start=1):
        if Pass.objects.filter(serial=f"ZB-QY-F-2022-{number:04d}").exists():
            continue
        _issue(
            types["freight"],
            {
                "holder_name": driver,
                "id_number": _id_number(rng, dt.date(1978, 3, number)),
                "plate": plate,
                "route": route,
                "scope_codes": scope,
                "enterprise": xingchen,
                "valid_from": dt.date(2022, 4, 8),
                "valid_days": 14,
                "documents": {
                    "negative_test": {"name": "t.pdf", "size_kb": 200},
                    "escort": {"name": "escort.pdf", "size_kb": 300},
                },
            },
            issued_at=dt.datetime(2022, 4, 7, 16, 0, tzinfo=_tz()),
            reviewer=None,
        )
    staff_scope = ["ZX-GATES", "ROADS"]
    if not Pass.objects.filter(serial="KK-S-2022-0001").exists():
        _issue(
            types["staff"],
            {
                "holder_name": "包颖杰",
                "id_number": _id_number(rng, dt.date(1991, 8, 17)),
                "mobile": "13906280009",
                "scope_codes": staff_scope,
                "route": "竹韵花园社区第一网格",
                "valid_from": dt.date(2022, 4, 1),
                "valid_days": 60,
                "documents": {"work_certificate": {"name": "work.pdf", "size_kb": 120}},
            },
            issued_at=dt.datetime(2022, 3, 31, 17, 0, tzinfo=_tz()),
            reviewer=None,
            holder=gridworker,
        )

    # The seed's emergency (2022-04-10): 包颖杰 drove 陈建和 through three checkpoints to 瑞慈医院.
    if not Scan.objects.filter(device="demo").exists():
        staff_pass = Pass.objects.get(serial="KK-S-2022-0001")
        for minute, code in ((0, "ZYHY-N"), (4, "RD-XHDD"), (9, "HOSP-RC")):
            at = dt.datetime(2022, 4, 10, 21, 12 + minute, tzinfo=_tz())
            Scan.objects.create(
                checkpoint=checkpoints[code],
                checkpoint_code=code,
                at=at,
                valid=True,
                reason="ok",
                serial=staff_pass.serial,
                device="demo",
                source=ScanSource.ONLINE,
                uploaded_at=at,
            )
        riders = list(Pass.objects.filter(serial__startswith="SCJ-R-2022-").values_list("serial", flat=True))
        gates = ["ZYHY-N", "ZYHY-S", "ZH-E", "CQ-W", "RD-XHDD"]
        for day in range(8, 30):
            for _ in range(rng.randrange(20, 45)):
                at = dt.datetime(2022, 4, day, rng.randrange(7, 22), rng.randrange(60), tzinfo=_tz())
                code = rng.choice(gates)
                reason = rng.choices(["ok", "expired", "bad_format", "out_of_scope"], [90, 4, 4, 2])[0]
                Scan.objects.create(
                    checkpoint=checkpoints[code],
                    checkpoint_code=code,
                    at=at,
                    valid=reason == "ok",
                    reason=reason,
                    serial=rng.choice(riders) if reason != "bad_format" else "",
                    device="demo",
                    source=rng.choice([ScanSource.ONLINE] * 4 + [ScanSource.OFFLINE]),
                    uploaded_at=at,
                )
        # One copied pass: seen green at a gate and at the highway within minutes.
        copied = riders[17]
        for minute, code in ((0, "ZYHY-N"), (6, "G40-XH")):
            at = dt.datetime(2022, 4, 18, 12, 20 + minute, tzinfo=_tz())
            Scan.objects.create(
                checkpoint=checkpoints[code],
                checkpoint_code=code,
                at=at,
                valid=code == "ZYHY-N",
                reason="ok" if code == "ZYHY-N" else "out_of_scope",
                serial=copied,
                device="demo",
                anomaly=code != "ZYHY-N",
                anomaly_note="ZYHY-N 12:20, 17.9 km" if code != "ZYHY-N" else "",
                uploaded_at=at,
            )

    # A revoked rider pass (requested by msb, approved by a colleague): the revocation list is not empty.
    colleague = User.objects.filter(department__code="SCJ", is_active=True).exclude(pk=getattr(msb, "pk", None)).first()
    revoked = Pass.objects.filter(serial="SCJ-R-2022-0142").first()
    if revoked and msb and colleague and not revoked.revocations.exists():
        revocation = revoked.revocations.create(
            reason="骑手离职，站点申请注销",
            requested_by=msb,
            requested_at=dt.datetime(2022, 4, 25, 9, 0, tzinfo=_tz()),
            status=RevocationStatus.APPROVED,
            approved_by=colleague,
            approved_at=dt.datetime(2022, 4, 25, 10, 0, tzinfo=_tz()),
        )
        Pass.objects.filter(pk=revoked.pk).update(status="revoked", status_reason=revocation.reason)

    # Passes valid from today, so the verifier shows green today.
    today = clock.today()
    now = clock.now()
    todays = [
        (
            "rider",
            {
                "holder_name": "李嘉庆",
                "station": stations[0][0],
                "scope_codes": ["ZX-GATES", "ROADS"],
                "valid_days": 30,
                "documents": DOCS_RIDER,
            },
            None,
        ),
        (
            "rider",
            {
                "holder_name": "王思远",
                "station": stations[1][0],
                "scope_codes": ["ZX-GATES"],
                "valid_days": 7,
                "documents": DOCS_RIDER,
            },
            None,
        ),
        (
            "freight",
            {
                "holder_name": "陈国平",
                "plate": "苏F3K729",
                "enterprise": xingchen,
                "route": "星辰合成材料厂区→S19通启高速竹行出口→G15沈海高速",
                "scope_codes": ["HWY"],
                "valid_days": 14,
                "documents": {},
            },
            None,
        ),
        (
            "staff",
            {
                "holder_name": "包颖杰",
                "mobile": "13906280009",
                "scope_codes": ["ZX-GATES", "ROADS"],
                "valid_days": 90,
                "documents": {},
            },
            gridworker,
        ),
        ("temporary", {"holder_name": "陈建和", "scope_codes": ["ROADS"], "valid_days": 3, "documents": {}}, None),
    ]
    start = dt.datetime.combine(today, dt.time.min, tzinfo=_tz())
    for code, values, holder in todays:
        if Pass.objects.filter(pass_type=types[code], holder_name=values["holder_name"], valid_from=start).exists():
            continue
        values = {**values, "id_number": _id_number(rng, dt.date(1990, 5, 20)), "valid_from": today}
        _issue(types[code], values, issued_at=now, reviewer=msb if code == "rider" else None, holder=holder)
        created += 1
    services.publish_revocation_list(actor=None)
    demo.say(
        f"passes: {Pass.objects.count()} passes ({created} new), {Checkpoint.objects.count()} checkpoints, "
        f"{Scan.objects.count()} scans; keys in {keys.key_dir()}"
    )
    demo.objects["passes"] = {"types": types, "checkpoints": checkpoints}
