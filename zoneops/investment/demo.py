"""Demo zone, investment part: the seed's 2022 signings, the week of cloud negotiations and the 砺剑班 (idempotent).

The seed's figures come out of these records (never typed into a template). As of 2022-04-21:
34 projects signed 2022-01-01 … 2022-04-21, total 320.1925亿元 → "320.2"; 10 foreign, all in USD at the
statistical rate 6.35 (effective 2022-01-01): US$2,255m = 143.1925亿元 → "143.2"; 24 domestic = 177.0亿元;
14 at ≥ 5亿元 (6 domestic + 8 foreign, i.e. ≥ US$78.74m); 9 foreign at ≥ US$30m (all but the US$25m one).

The "3+1" leading industries chosen here (data, editable): 新一代信息技术, 高端装备, 医药健康, plus 现代服务业.

Projects are written through the services with the investment bureau head (tcj-01) as actor; dates are the
historical ones, and `last_progress_at` is then set to the project's last historical event (bootstrap data, like
the accounts part). Investors are registry enterprises, created here with valid credit codes when the
enterprises part did not create them. Roles: the demo gives the statistics role the verification and exchange-rate
permissions (行审局 / statistics confirm signings) and creates an organisation-department role for staff development.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.utils import timezone

from zoneops.audit.services import record
from zoneops.core.validators import uscc_check_char
from zoneops.investment import services
from zoneops.investment.choices import AppliesTo, Channel, Comparison, ConstructionType, Source, Stage
from zoneops.investment.models import (
    Currency,
    FxRate,
    Industry,
    Negotiation,
    Project,
    StaffNote,
    ThresholdBucket,
    TrainingSession,
)

DEMO_ACTOR = "demo"
YI = 100_000_000
MILLION = 1_000_000

INDUSTRIES = [
    # (code, name, is_leading, order)
    ("NGIT", "新一代信息技术", True, 10),
    ("HEQ", "高端装备", True, 20),
    ("HEALTH", "医药健康", True, 30),
    ("MSRV", "现代服务业", True, 40),
    ("NMAT", "新材料", False, 50),
    ("CHEM", "精细化工", False, 60),
    ("OTHER", "其他", False, 90),
]

RATES = [
    # (currency, rate to CNY, effective on): the statistical rates the bureau uses.
    ("USD", "6.3757", dt.date(2021, 12, 1)),
    ("USD", "6.35", dt.date(2022, 1, 1)),
    ("EUR", "7.20", dt.date(2022, 1, 1)),
    ("HKD", "0.8150", dt.date(2022, 1, 1)),
    ("USD", "6.60", dt.date(2022, 5, 1)),
]


def _yuan(yi: str) -> Decimal:
    return Decimal(yi) * YI


def _usd(million: int) -> Decimal:
    return Decimal(million) * MILLION


# Investors: (name, listed board, ticker, foreign-funded)
INVESTORS = {
    "华安鑫创控股(北京)股份有限公司": ("chinext", "300928", False),
    "劲胜新能源科技有限公司": ("", "", False),
    "汉晟智能制造有限公司": ("", "", False),
    "太普新能源(香港)有限公司": ("", "", True),
}

# The 34 signings: (name, investor, unit, industry, currency, amount, foreign, signed_on, stage, verified)
# Domestic (CNY, 亿元): 50 + 30 + 25 + 20 + 12 + 10 = 147 (six ≥ 5亿) and eighteen below 5亿 summing to 30.0.
DOMESTIC = [
    ("芯途半导体先进封测基地项目", "南通芯途半导体有限公司", "TCJ-1", "NGIT", "50", "2022-01-18", Stage.STARTED, True),
    (
        "劲胜新能源动力电池精密结构件项目",
        "劲胜新能源科技有限公司",
        "TCJ-2",
        "HEQ",
        "30",
        "2022-03-08",
        Stage.REGISTERED,
        True,
    ),
    (
        "苏瑞高端医疗器械产业园项目",
        "苏瑞医疗科技集团有限公司",
        "TCJ-3",
        "HEALTH",
        "25",
        "2022-02-22",
        Stage.REGISTERED,
        True,
    ),
    (
        "车载液晶显示模组及智能座舱显示系统智能制造项目",
        "华安鑫创控股(北京)股份有限公司",
        "TCJ-1",
        "NGIT",
        "20",
        "2022-04-06",
        Stage.SIGNED,
        True,
    ),
    (
        "海科工业机器人及智能产线项目",
        "海科智能装备股份有限公司",
        "TCJ-2",
        "HEQ",
        "12",
        "2022-02-10",
        Stage.SIGNED,
        True,
    ),
    ("汉晟智能制造产业园项目", "汉晟智能制造有限公司", "TCJ-4", "HEQ", "10", "2022-03-29", Stage.SIGNED, False),
    ("联睿光电传感器项目", "联睿光电科技有限公司", "TCJ-1", "NGIT", "4.8", "2022-01-25", Stage.REGISTERED, True),
    ("博康生物试剂研发生产项目", "博康生物科技有限公司", "TCJ-3", "HEALTH", "3.5", "2022-02-16", Stage.SIGNED, True),
    ("鼎泰精密数控机床项目", "鼎泰精密机械有限公司", "TCJ-2", "HEQ", "3.0", "2022-01-12", Stage.STARTED, True),
    ("云汇工业互联网平台项目", "云汇数字科技有限公司", "TCJ-4", "MSRV", "2.5", "2022-03-15", Stage.SIGNED, True),
    ("江海供应链结算中心项目", "江海供应链管理有限公司", "TCJ-4", "MSRV", "2.2", "2022-02-28", Stage.SIGNED, True),
    ("瑞联医药CDMO中试基地项目", "瑞联医药科技有限公司", "TCJ-3", "HEALTH", "2.0", "2022-03-22", Stage.SIGNED, True),
    ("启迈智能传感模组项目", "启迈电子有限公司", "TCJ-1", "NGIT", "2.0", "2022-04-12", Stage.SIGNED, False),
    ("华测检验检测中心项目", "华测检测认证有限公司", "TCJ-4", "MSRV", "1.8", "2022-01-20", Stage.REGISTERED, True),
    ("恒远液压件智能制造项目", "恒远液压有限公司", "TCJ-2", "HEQ", "1.5", "2022-02-24", Stage.SIGNED, True),
    ("康达医用耗材项目", "康达医疗用品有限公司", "TCJ-3", "HEALTH", "1.5", "2022-03-30", Stage.SIGNED, True),
    ("数衡软件研发中心项目", "数衡信息技术有限公司", "TCJ-1", "NGIT", "1.2", "2022-03-10", Stage.SIGNED, True),
    ("通达轨道交通装备配套项目", "通达轨道装备有限公司", "TCJ-2", "HEQ", "1.0", "2022-04-18", Stage.SIGNED, False),
    ("海纳跨境电商产业园项目", "海纳跨境电商有限公司", "TCJ-4", "MSRV", "0.8", "2022-01-28", Stage.SIGNED, True),
    ("智谷创新孵化器项目", "智谷科技服务有限公司", "TCJ-4", "MSRV", "0.6", "2022-02-18", Stage.SIGNED, True),
    ("安瑞医学影像中心项目", "安瑞医学影像有限公司", "TCJ-3", "HEALTH", "0.5", "2022-03-03", Stage.SIGNED, True),
    ("星链物联网终端项目", "星链物联科技有限公司", "TCJ-1", "NGIT", "0.5", "2022-04-20", Stage.SIGNED, False),
    ("润达工业设计中心项目", "润达工业设计有限公司", "TCJ-4", "MSRV", "0.3", "2022-01-07", Stage.SIGNED, True),
    ("锐思医疗AI辅助诊断项目", "锐思医疗科技有限公司", "TCJ-3", "HEALTH", "0.3", "2022-04-21", Stage.SIGNED, False),
]

# Foreign (USD, millions): 500+400+350+300+250+150+120+100 (eight ≥ 5亿元) + 60 + 25 = 2,255.
FOREIGN = [
    (
        "德固赛特种电子材料装备项目",
        "Degussa Electronic Equipment GmbH",
        "TCJ-WZ",
        "HEQ",
        500,
        "2022-01-21",
        Stage.REGISTERED,
        True,
    ),
    (
        "日立高端医疗影像设备项目",
        "株式会社メディカルイメージング",
        "TCJ-WZ",
        "HEALTH",
        400,
        "2022-02-25",
        Stage.SIGNED,
        True,
    ),
    (
        "三星显示面板配套项目",
        "Samsung Display Parts Co., Ltd.",
        "TCJ-WZ",
        "NGIT",
        350,
        "2022-03-18",
        Stage.SIGNED,
        True,
    ),
    ("太普新能源电池模组项目", "太普新能源(香港)有限公司", "TCJ-WZ", "HEQ", 300, "2022-03-25", Stage.SIGNED, True),
    ("瑞士精工精密减速器项目", "Swiss Precision Drives AG", "TCJ-WZ", "HEQ", 250, "2022-02-14", Stage.SIGNED, True),
    (
        "诺华生物制剂灌装项目",
        "Biologics Fill Finish Pte. Ltd.",
        "TCJ-WZ",
        "HEALTH",
        150,
        "2022-04-01",
        Stage.SIGNED,
        True,
    ),
    (
        "艾默生智能控制系统项目",
        "Emerald Controls Holdings Ltd.",
        "TCJ-WZ",
        "HEQ",
        120,
        "2022-01-26",
        Stage.SIGNED,
        True,
    ),
    (
        "台达数据中心电源项目",
        "Delta Power Solutions (HK) Ltd.",
        "TCJ-WZ",
        "NGIT",
        100,
        "2022-03-02",
        Stage.SIGNED,
        False,
    ),
    (
        "新加坡亚太区域结算中心项目",
        "APAC Treasury Services Pte. Ltd.",
        "TCJ-WZ",
        "MSRV",
        60,
        "2022-04-13",
        Stage.SIGNED,
        True,
    ),
    (
        "港资医疗器械研发中心项目",
        "Harbour Medtech (HK) Ltd.",
        "TCJ-WZ",
        "HEALTH",
        25,
        "2022-04-19",
        Stage.SIGNED,
        False,
    ),
]

HUAAN_LINES = [
    {"product": "液晶模组", "quantity": "10000000", "unit": "片"},
    {"product": "车载显示系统", "quantity": "3000000", "unit": "套"},
    {"product": "汽车智能座舱系统", "quantity": "1000000", "unit": "套"},
    {"product": "智能驾驶系统", "quantity": "500000", "unit": "套"},
    {"product": "其他汽车电子产品", "quantity": "2000000", "unit": "件"},
]

# Leads and projects in talks: 招商一局's week of cloud negotiations, 2022-04-11 … 15 (the seed's week).
PIPELINE = [
    # (key, name, investor, unit, industry, currency, amount, stage, lead_on, listed (board, ticker))
    (
        "biochip",
        "生物芯片研发及产业化项目",
        "某生物芯片科技公司",
        "TCJ-1",
        "HEALTH",
        "CNY",
        "800000000",
        Stage.NEGOTIATING,
        "2022-02-20",
        None,
    ),
    (
        "soe_pharma",
        "央企医药华东生产基地项目",
        "某央企医药集团",
        "TCJ-1",
        "HEALTH",
        "CNY",
        "1500000000",
        Stage.NEGOTIATING,
        "2022-03-01",
        None,
    ),
    (
        "optical",
        "光通讯器件及模块项目(固投8亿元)",
        "年产值360亿元某上市公司",
        "TCJ-1",
        "NGIT",
        "CNY",
        "800000000",
        Stage.NEGOTIATING,
        "2022-03-10",
        ("main", ""),
    ),
    (
        "new_energy",
        "储能电池系统项目",
        "某上市新能源公司",
        "TCJ-1",
        "HEQ",
        "CNY",
        "2000000000",
        Stage.NEGOTIATING,
        "2022-03-20",
        ("main", ""),
    ),
    (
        "pharma_giant",
        "生物医药巨头区域总部及生产基地项目",
        "某生物医药巨头",
        "TCJ-1",
        "HEALTH",
        "USD",
        "200000000",
        Stage.NEGOTIATING,
        "2022-03-25",
        None,
    ),
    (
        "bio_platform",
        "高端生物医药平台一揽子合作项目",
        "某高端生物医药平台",
        "TCJ-1",
        "HEALTH",
        "CNY",
        "3000000000",
        Stage.LEAD,
        "2022-04-08",
        None,
    ),
]

# (key, weekday date, hour, channel, their participants, summary, issues, next step, next step date)
WEEK = [
    (
        "biochip",
        "2022-04-11",
        10,
        Channel.VIDEO,
        "董事长、研发总监",
        "周一视频连线生物芯片项目,介绍园区生物医药配套与人才政策。",
        ["policy", "talent"],
        "提供定制厂房方案",
        "2022-04-18",
    ),
    (
        "soe_pharma",
        "2022-04-12",
        15,
        Channel.VIDEO,
        "集团投资部负责人",
        "周二与央企医药集团视频洽谈华东生产基地选址。",
        ["land", "approvals"],
        "报送用地预审材料",
        "2022-04-22",
    ),
    (
        "optical",
        "2022-04-13",
        9,
        Channel.VIDEO,
        "副总裁、投资总监",
        "周三与年产值360亿元上市公司视频洽谈固投8亿元光通讯项目。",
        ["land", "funding"],
        "赴企业总部面谈(疫情后)",
        "2022-05-10",
    ),
    (
        "new_energy",
        "2022-04-14",
        14,
        Channel.VIDEO,
        "董事会秘书",
        "周四与上市公司洽谈新能源储能项目,商议投资协议条款。",
        ["policy", "supply_chain"],
        "修改投资协议文本",
        "2022-04-20",
    ),
    (
        "pharma_giant",
        "2022-04-15",
        10,
        Channel.VIDEO,
        "亚太区副总裁",
        "周五与生物医药巨头视频会谈区域总部布局。",
        ["policy", "approvals"],
        "寄送政策汇编英文版",
        "2022-04-19",
    ),
    (
        "bio_platform",
        "2022-04-15",
        16,
        Channel.VIDEO,
        "平台创始合伙人",
        "周五与高端生物医药平台商谈一揽子合作。",
        ["funding", "policy"],
        "起草合作框架协议",
        "2022-04-29",
    ),
]

# 华安鑫创: several online rounds before the 2022-04-06 signing.
HUAAN_ROUNDS = [
    ("2022-03-09", "首轮视频洽谈:项目定位与产能规划。", ["land"]),
    ("2022-03-18", "第二轮视频洽谈:厂房代建与设备进口。", ["approvals", "funding"]),
    ("2022-03-30", "第三轮视频洽谈:投资协议条款确认,拟4月初云签约。", ["policy"]),
]


def _uscc(index: int) -> str:
    """A valid credit code of a Nantong development-zone company (91 + 320691 + organisation code + check)."""
    first17 = f"91320691TX{index:07d}"
    return first17 + uscc_check_char(first17)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _at(day: str, hour: int) -> dt.datetime:
    return dt.datetime.combine(_date(day), dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


def build_dictionaries(say) -> None:
    """Industries, currencies (base and others), rates and the two default threshold buckets."""
    for code, name, leading, order in INDUSTRIES:
        Industry.objects.update_or_create(
            code=code, defaults={"name": name, "is_leading": leading, "sort_order": order}
        )
    for code, name, base in (
        ("CNY", "人民币", True),
        ("USD", "美元", False),
        ("EUR", "欧元", False),
        ("HKD", "港元", False),
    ):
        Currency.objects.update_or_create(code=code, defaults={"name": name, "is_base": base})
    for code, rate, effective in RATES:
        FxRate.objects.get_or_create(
            currency=Currency.objects.get(code=code), effective_on=effective, defaults={"rate_to_cny": Decimal(rate)}
        )
    cny, usd = Currency.objects.get(code="CNY"), Currency.objects.get(code="USD")
    for label, amount, currency, applies, order in (
        ("总投资5亿元以上项目", _yuan("5"), cny, AppliesTo.ALL, 10),
        ("3000万美元以上外资项目", _usd(30), usd, AppliesTo.FOREIGN, 20),
    ):
        ThresholdBucket.objects.update_or_create(
            label=label,
            defaults={
                "amount": amount,
                "currency": currency,
                "comparison": Comparison.GTE,
                "applies_to": applies,
                "order": order,
                "is_active": True,
            },
        )
    say(f"  industries: {Industry.objects.count()}, rates: {FxRate.objects.count()}")


def grant_roles(say) -> None:
    """Investment permissions on the roles that hold them in the zone (see the module docstring)."""
    from zoneops.accounts.models import DataScope, Role, User

    def perm(codename: str) -> Permission:
        return Permission.objects.get(content_type__app_label="investment", codename=codename)

    statistics = Role.objects.filter(code="statistics").first()
    dictionaries = [perm("change_industry"), perm("change_thresholdbucket")]
    if statistics is not None:
        statistics.permissions.add(perm("verify_project"), perm("manage_fx_rate"), perm("view_project"), *dictionaries)
    # Unit staff get every change_* permission of the app by pattern; the dictionaries belong to statistics.
    for role in Role.objects.filter(permissions__in=dictionaries).exclude(code="statistics").distinct():
        role.permissions.remove(*dictionaries)
    org, _created = Role.objects.update_or_create(
        code="org_staff_development",
        defaults={
            "name": "组织部干部培养",
            "data_scope": DataScope.ALL,
            "is_active": True,
            "description": "跟踪招商干部成长:洽谈、签约、培训与评价",
        },
    )
    org.permissions.set(
        [
            perm("view_staff_development"),
            perm("add_staffnote"),
            perm("add_trainingsession"),
            perm("view_trainingsession"),
        ]
    )
    for user in User.objects.filter(department__code="ZZB"):
        user.roles.add(org)
    bureau = Role.objects.filter(code="investment_staff").first()
    if bureau is not None:
        bureau.permissions.add(perm("add_trainingsession"))
    # The accounts part hands out every "view_*" permission of the business apps by pattern; the staff view is
    # the organisation department's alone, so take it back from every other role.
    staff_view = perm("view_staff_development")
    for role in Role.objects.filter(permissions=staff_view).exclude(pk=org.pk):
        role.permissions.remove(staff_view)
    say("  roles: statistics verifies signings; 组织部 follows staff development")


def investor(name: str, index: int, *, board: str = "", ticker: str = "", foreign: bool = False):
    """The registry enterprise of this name (created with a valid credit code if the registry lacks it)."""
    from zoneops.enterprises.actions import ENTERPRISE_CREATED
    from zoneops.enterprises.models import Enterprise

    enterprise = Enterprise.objects.filter(name=name).first()
    if enterprise is None:
        while Enterprise.objects.filter(uscc=_uscc(index)).exists():
            index += 1000
        enterprise = Enterprise.objects.create(
            name=name,
            uscc=_uscc(index),
            is_listed=bool(board),
            listing_board=board,
            ticker=ticker,
            is_foreign_funded=foreign,
        )
        record(None, ENTERPRISE_CREATED, enterprise, username=DEMO_ACTOR, note="demo zone: investor")
    return enterprise


def _users():
    from zoneops.accounts.models import Department, User
    from zoneops.accounts.scoping import forget

    actor = User.objects.get(username="tcj-01")
    forget(actor)
    units = {d.code: d for d in Department.objects.filter(code__startswith="TCJ")}
    owners = {}
    for code in units:
        owners[code] = User.objects.filter(department__code=code, is_active=True).order_by("username").first()
    owners["TCJ-1"] = User.objects.filter(username="invest").first() or owners.get("TCJ-1")
    return actor, units, owners


# Every open project has a next step with a date (a month or so after its signing / lead).
SIGNED_NEXT_STEPS = {
    Stage.SIGNED: ("推进项目注册和开工准备", 30),
    Stage.REGISTERED: ("办理施工许可,落实开工条件", 30),
    Stage.STARTED: ("跟进厂房建设和设备进场,协调投产准备", 45),
}
PIPELINE_NEXT_STEPS = {
    Stage.LEAD: ("梳理项目需求,安排首轮视频洽谈", 14),
    Stage.NEGOTIATING: ("跟进项目诉求,安排下一轮洽谈", 14),
}


def _backdate(project: Project, when: dt.date, hour: int = 17) -> None:
    """Historical demo data: the project's last progress is its last event, not the moment the demo ran."""
    Project.objects.filter(pk=project.pk).update(last_progress_at=_at(when.isoformat(), hour))


def build_signings(say, actor, units, owners) -> list[Project]:
    """The 34 signings of 2022 up to 2022-04-21, plus one of December 2021 (outside the year-to-date figures)."""
    made = []
    index = 100
    rows = [(n, inv, u, ind, "CNY", str(_yuan(a)), False, d, s, v) for n, inv, u, ind, a, d, s, v in DOMESTIC]
    rows += [(n, inv, u, ind, "USD", str(_usd(m)), True, d, s, v) for n, inv, u, ind, m, d, s, v in FOREIGN]
    rows.append(
        (
            "通州湾智能仓储物流项目",
            "通州湾物流发展有限公司",
            "TCJ-4",
            "MSRV",
            "CNY",
            str(_yuan("3.2")),
            False,
            "2021-12-20",
            Stage.STARTED,
            True,
        )
    )
    for name, investor_name, unit, industry, currency, amount, foreign, signed, stage, _verified in rows:
        index += 1
        board, ticker, foreign_funded = INVESTORS.get(investor_name, ("", "", foreign))
        enterprise = investor(investor_name, index, board=board, ticker=ticker, foreign=foreign_funded)
        project = Project.objects.filter(investor_name=enterprise.name, name=name).first()
        if project is None:
            signed_on = _date(signed)
            step, days = SIGNED_NEXT_STEPS[stage]
            extra = {}
            if name == "车载液晶显示模组及智能座舱显示系统智能制造项目":
                extra = {
                    "capacity_lines": HUAAN_LINES,
                    "expected_output": str(_yuan("50")),
                    "expected_tax": str(_yuan("2.1")),
                    "description": "华安鑫创(创业板 300928)经多轮线上洽谈后云签约,达产后年产值50亿元、税收超2亿元。",
                    "lead_on": _date("2022-02-28"),
                    "jobs": 1200,
                }
            project = services.create_project(
                actor=actor,
                name=name,
                investor=enterprise,
                unit=units[unit],
                owner=owners.get(unit),
                industry=industry,
                currency=currency,
                total_investment=amount,
                is_foreign=foreign,
                stage=stage,
                signed_on=signed_on,
                source=Source.INVESTOR_REFERRAL if index % 3 else Source.PROMOTION_EVENT,
                construction_type=ConstructionType.EXPANSION if index % 5 == 0 else ConstructionType.NEW,
                foreign_capital=amount if foreign else None,
                next_step=step,
                next_step_on=signed_on + dt.timedelta(days=days),
                **extra,
            )
            _backdate(project, signed_on)
        made.append(project)
    say(f"  signed projects: {len(made)}")
    return made


def build_verifications(say, projects: list[Project]) -> None:
    """The statistics office confirms the signings it has evidence for."""
    from zoneops.accounts.models import User
    from zoneops.accounts.scoping import forget

    verifier = User.objects.filter(username="stats").first()
    if verifier is None:
        return
    forget(verifier)
    flags = {name: verified for name, *_rest, verified in DOMESTIC + FOREIGN}
    flags["通州湾智能仓储物流项目"] = True
    count = 0
    for project in projects:
        project.refresh_from_db()
        if flags.get(project.name) and not project.is_verified:
            services.verify_project(actor=verifier, project=project, evidence="投资协议及工商登记信息已核对")
            count += 1
    say(f"  verified now: {count}")


def build_pipeline(say, actor, units, owners) -> dict[str, Project]:
    """Leads and projects in talks, with the seed's week of video negotiations and 华安鑫创's earlier rounds."""
    from zoneops.accounts.models import User

    pipeline: dict[str, Project] = {}
    index = 300
    for key, name, investor_name, unit, industry, currency, amount, stage, lead_on, listed in PIPELINE:
        index += 1
        project = Project.objects.filter(investor_name=investor_name, name=name).first()
        if project is None:
            step, days = PIPELINE_NEXT_STEPS[stage]
            project = services.create_project(
                actor=actor,
                name=name,
                investor=investor_name,
                unit=units[unit],
                owner=owners.get(unit),
                industry=industry,
                currency=currency,
                total_investment=amount,
                is_foreign=currency != "CNY",
                stage=stage,
                lead_on=_date(lead_on),
                next_step=step,
                next_step_on=_date(lead_on) + dt.timedelta(days=days),
                source=Source.LEADER_ASSIGNED if key == "soe_pharma" else Source.INTERMEDIARY,
                assignment_level="city" if key == "soe_pharma" else "",
                description="上市公司" if listed else "",
            )
        pipeline[key] = project
    outside = Project.objects.filter(name="特种工程塑料改性项目").first()
    if outside is None:
        services.create_project(
            actor=actor,
            name="特种工程塑料改性项目",
            investor="某新材料企业",
            unit=units["TCJ-2"],
            owner=owners.get("TCJ-2"),
            industry="NMAT",
            currency="CNY",
            total_investment="300000000",
            stage=Stage.LEAD,
            lead_on=_date("2022-04-02"),
            next_step="对接汽车电子龙头配套需求,安排实地考察",
            next_step_on=_date("2022-04-16"),
            outside_leading_reason="为汽车电子龙头配套,补链项目",
            outside_leading_approver=User.objects.get(username="leader"),
        )
    participants = list(User.objects.filter(department__code__startswith="TCJ").order_by("username")[:3])
    for key, day, hour, channel, theirs, summary, issues, step, step_on in WEEK:
        project = pipeline[key]
        at = _at(day, hour)
        if not Negotiation.objects.filter(project=project, at=at).exists():
            services.record_negotiation(
                actor=actor,
                project=project,
                at=at,
                channel=channel,
                summary=summary,
                our_participants=participants,
                leaders_present="管委会分管领导",
                their_participants=theirs,
                issues=issues,
                next_step=step,
                next_step_on=_date(step_on),
            )
        _backdate(project, _date(day), hour + 1)
    huaan = Project.objects.get(name="车载液晶显示模组及智能座舱显示系统智能制造项目")
    for day, summary, issues in HUAAN_ROUNDS:
        at = _at(day, 10)
        if not Negotiation.objects.filter(project=huaan, at=at).exists():
            services.record_negotiation(
                actor=actor,
                project=huaan,
                at=at,
                channel=Channel.VIDEO,
                summary=summary,
                our_participants=participants[:2],
                their_participants="华安鑫创董事长、副总经理",
                issues=issues,
            )
    _backdate(huaan, _date("2022-04-06"))
    say(f"  negotiations: {Negotiation.objects.count()}")
    return pipeline


def build_staff_development(say) -> None:
    """The 4月19日–20日 砺剑班 with the investment staff, and a few notes of the organisation department."""
    from zoneops.accounts.models import User
    from zoneops.accounts.scoping import forget
    from zoneops.investment.selectors import investment_staff

    organiser = User.objects.filter(department__code="ZZB").order_by("username").first()
    if organiser is None:
        return
    forget(organiser)
    if not TrainingSession.objects.filter(name="招商引资“砺剑班”", starts_on=_date("2022-04-19")).exists():
        services.record_training(
            actor=organiser,
            name="招商引资“砺剑班”",
            starts_on=_date("2022-04-19"),
            ends_on=_date("2022-04-20"),
            attendees=list(investment_staff()),
            materials="产业链招商、云洽谈实务、投资协议风险防控",
        )
    if not StaffNote.objects.exists():
        invest = User.objects.filter(username="invest").first()
        if invest is not None:
            services.add_staff_note(
                actor=organiser,
                staff=invest,
                quality="investment",
                note="疫情期间坚持“云招商”,促成华安鑫创20亿元项目云签约。",
            )
            services.add_staff_note(
                actor=organiser,
                staff=invest,
                quality="industry",
                note="熟悉汽车电子产业链,能讲清上下游配套。",
            )
    say(f"  trainings: {TrainingSession.objects.count()}, staff notes: {StaffNote.objects.count()}")


def build(demo) -> None:
    """Investment part of the demo zone."""
    demo.say("Investment: industries, rates, 2022 signings, negotiations, 砺剑班")
    build_dictionaries(demo.say)
    grant_roles(demo.say)
    actor, units, owners = _users()
    projects = build_signings(demo.say, actor, units, owners)
    build_verifications(demo.say, projects)
    build_pipeline(demo.say, actor, units, owners)
    build_staff_development(demo.say)
