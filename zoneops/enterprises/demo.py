"""Demo enterprises: the ones the seed names plus a deterministic crowd (safe to run again)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from zoneops.accounts.models import DataScope, Department, DepartmentKind, Role, User
from zoneops.audit.services import record
from zoneops.core.validators import USCC_ALPHABET, uscc_check_char
from zoneops.enterprises import actions
from zoneops.enterprises.models import Enterprise, EnterpriseContact, Industry, ListingBoard, Tag

SEED = 20220421
GENERATED = 210
SUBDISTRICT_CODES = ("ZX", "XH", "ZXZ", "NH")
CONTACT_ROLE = "enterprise_contact"


def uscc(first17: str) -> str:
    """A credit code whose check character is right."""
    return first17 + uscc_check_char(first17)


# The enterprises the seed names. Keys are how other demo builders find them in demo.objects["enterprises"];
# names match those the investment demo looks up, so investors are not registered twice.
NAMED = [
    {
        "key": "huaan",
        "uscc": uscc("91110108MA01AH3X2"),
        "name": "华安鑫创控股(北京)股份有限公司",
        "legal_representative": "何攀",
        "industry": Industry.ELECTRONICS,
        "address": "北京市海淀区上地信息路",
        "subdistrict": "ZXZ",
        "established_on": dt.date(2016, 3, 9),
        "registered_capital": Decimal("80000000.00"),
        "is_listed": True,
        "listing_board": ListingBoard.CHINEXT,
        "ticker": "300928",
        "description": "国内领先的汽车智能座舱电子综合服务商；车载液晶显示模组及智能座舱显示系统智能制造项目落户南通开发区。",
        "tags": ["上市企业", "汽车电子"],
        "contacts": [("何攀", "董事长", "13911280928")],
    },
    {
        "key": "xingchen",
        "uscc": uscc("91320691MA1MXC008"),
        "name": "南通星辰合成材料有限公司",
        "legal_representative": "庞小琳",
        "industry": Industry.CHEMICALS,
        "address": "南通市经济技术开发区通达路",
        "subdistrict": "XH",
        "established_on": dt.date(1998, 6, 18),
        "settled_on": dt.date(2008, 7, 1),
        "registered_capital": Decimal("600000000.00"),
        "group_name": "中国中化控股有限责任公司",
        "is_key": True,
        "is_supply_assured": True,
        "description": "隶属于世界500强企业中国中化控股有限责任公司；2008年根据全市化工企业“退城进园”部署搬迁至南通开发区。",
        "tags": ["央企子公司", "规上企业"],
        "contacts": [("庞小琳", "董事长、总经理", "13862800818"), ("周立新", "物流部经理", "13962811026")],
    },
    {
        "key": "jinsheng",
        "uscc": uscc("91320691MA27J50N3"),
        "name": "劲胜新能源科技有限公司",
        "legal_representative": "王劲松",
        "industry": Industry.NEW_ENERGY,
        "address": "南通市经济技术开发区新能源产业园",
        "subdistrict": "ZX",
        "established_on": dt.date(2022, 2, 15),
        "registered_capital": Decimal("300000000.00"),
        "is_key": True,
        "tags": ["新能源"],
        "contacts": [("王劲松", "总经理", "13773600301")],
    },
    {
        "key": "hansheng",
        "uscc": uscc("91320691MA27H51M8"),
        "name": "汉晟智能制造有限公司",
        "legal_representative": "李汉卿",
        "industry": Industry.MANUFACTURING,
        "address": "南通市经济技术开发区智能制造产业园",
        "subdistrict": "ZXZ",
        "established_on": dt.date(2022, 3, 2),
        "registered_capital": Decimal("100000000.00"),
        "tags": ["智能制造"],
        "contacts": [("李汉卿", "总经理", "13814630217")],
    },
    {
        "key": "taipu",
        "uscc": uscc("91320691MA27TP2K4"),
        "name": "太普新能源(香港)有限公司",
        "legal_representative": "陈德普",
        "industry": Industry.NEW_ENERGY,
        "address": "南通市经济技术开发区新能源产业园",
        "subdistrict": "NH",
        "established_on": dt.date(2022, 3, 28),
        "registered_capital": Decimal("500000000.00"),
        "is_foreign_funded": True,
        "description": "新能源电池模组项目，投资3亿美金。",
        "tags": ["外资企业", "新能源"],
        "contacts": [("陈德普", "董事", "13601470328")],
    },
    {
        "key": "meituan_station",
        "uscc": uscc("91320691MA1YMT3R5"),
        "name": "南通速达即时配送服务有限公司",
        "legal_representative": "官鹏飞",
        "industry": Industry.TRANSPORT,
        "address": "南通市经济技术开发区星湖大道",
        "subdistrict": "ZX",
        "established_on": dt.date(2018, 5, 10),
        "registered_capital": Decimal("2000000.00"),
        "group_name": "美团外卖",
        "is_supply_assured": True,
        "description": "美团外卖开发区站点运营商；疫情期间承担居民果蔬、食品、药品配送。",
        "tags": ["外卖配送", "保供"],
        "contacts": [("官鹏飞", "站点负责人", "13506291142")],
    },
    {
        "key": "xiaohai_contractor",
        "uscc": uscc("91320691MA1UHJ4P7"),
        "name": "南通海晟建设工程有限公司",
        "legal_representative": "顾海兵",
        "industry": Industry.CONSTRUCTION,
        "address": "南通市经济技术开发区小海街道",
        "subdistrict": "XH",
        "established_on": dt.date(2009, 11, 20),
        "registered_capital": Decimal("80000000.00"),
        "is_key": True,
        "description": "小海十二期安置房项目施工总承包单位，工地施工人员450多人。",
        "tags": ["重点项目施工"],
        "contacts": [("顾海兵", "项目经理", "13962895450")],
    },
]

_WORDS = "瑞恒华通鑫泰海江盛宏锦誉嘉博中远安润天合源达科信诚力新永康昌隆辰宇睿晟凯越祥和"
_KINDS = [
    (Industry.MANUFACTURING, ("精密机械", "智能装备", "机电")),
    (Industry.CHEMICALS, ("化工", "精细化工")),
    (Industry.BIOMEDICINE, ("生物医药", "医疗器械", "生物科技")),
    (Industry.NEW_ENERGY, ("新能源", "光伏科技", "储能科技")),
    (Industry.NEW_MATERIALS, ("新材料", "复合材料")),
    (Industry.ELECTRONICS, ("电子", "光电科技", "半导体")),
    (Industry.INFORMATION_TECHNOLOGY, ("信息技术", "软件", "数据科技")),
    (Industry.CONSTRUCTION, ("建设工程", "建筑安装")),
    (Industry.TRANSPORT, ("物流", "供应链管理", "运输")),
    (Industry.WHOLESALE_RETAIL, ("商贸", "贸易")),
    (Industry.CATERING, ("餐饮管理",)),
    (Industry.SERVICES, ("企业管理咨询", "人力资源服务")),
]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏飞宇浩然婷雪梅晨阳俊峰海燕琳"
_ROADS = ("通盛大道", "星湖大道", "新开南路", "通达路", "富民港路", "广州路", "复兴路", "中央路", "竹行路", "小海路")
_TITLES = ("总经理", "行政经理", "财务总监", "办公室主任", "安全主管", "人事经理")
_TAGS = ("高新技术企业", "专精特新", "规上企业", "外贸企业", "瞪羚企业")


def _generated(rnd: random.Random) -> list[dict]:
    """A deterministic crowd of enterprises with valid credit codes and mobiles."""
    items: list[dict] = []
    names: set[str] = {item["name"] for item in NAMED}
    codes: set[str] = {item["uscc"] for item in NAMED}
    while len(items) < GENERATED:
        industry, suffixes = rnd.choice(_KINDS)
        brand = rnd.choice(_WORDS) + rnd.choice(_WORDS)
        name = f"南通{brand}{rnd.choice(suffixes)}有限公司"
        body = "91320691MA" + "".join(rnd.choice(USCC_ALPHABET) for _ in range(7))
        code = uscc(body)
        if name in names or code in codes or brand[0] == brand[1]:
            continue
        names.add(name)
        codes.add(code)
        rep = rnd.choice(_SURNAMES) + rnd.choice(_GIVEN) + (rnd.choice(_GIVEN) if rnd.random() < 0.6 else "")
        listed = rnd.random() < 0.03
        contact_name = rnd.choice(_SURNAMES) + rnd.choice(_GIVEN) + rnd.choice(_GIVEN)
        mobile = rnd.choice(("13", "15", "18", "17", "19")) + "".join(rnd.choice("0123456789") for _ in range(9))
        items.append(
            {
                "key": "",
                "uscc": code,
                "name": name,
                "legal_representative": rep,
                "industry": industry,
                "address": f"南通市经济技术开发区{rnd.choice(_ROADS)}{rnd.randint(1, 299)}号",
                "subdistrict": rnd.choice(SUBDISTRICT_CODES),
                "established_on": dt.date(1995, 1, 1) + dt.timedelta(days=rnd.randint(0, 9800)),
                "registered_capital": Decimal(rnd.choice((50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000)) * 10000),
                "is_key": rnd.random() < 0.12,
                "is_supply_assured": rnd.random() < 0.08,
                "is_foreign_funded": rnd.random() < 0.12,
                "is_listed": listed,
                "listing_board": rnd.choice((ListingBoard.MAIN, ListingBoard.STAR, ListingBoard.CHINEXT))
                if listed
                else "",
                "ticker": f"{rnd.choice(('600', '688', '300'))}{rnd.randint(100, 999)}" if listed else "",
                "tags": rnd.sample(_TAGS, k=rnd.choice((0, 0, 1, 1, 2))),
                "contacts": [(contact_name, rnd.choice(_TITLES), mobile)],
            }
        )
    return items


def build(demo) -> None:
    """Create or refresh the demo enterprises (update_or_create by credit code; nothing new on a rerun)."""
    subdistricts = {
        d.code: d for d in Department.objects.filter(code__in=SUBDISTRICT_CODES, kind=DepartmentKind.SUBDISTRICT)
    }
    tags: dict[str, Tag] = {}
    created = 0
    by_key: dict[str, Enterprise] = {}
    for item in NAMED + _generated(random.Random(SEED)):
        defaults = {
            "name": item["name"],
            "legal_representative": item["legal_representative"],
            "industry": item["industry"],
            "address": item["address"],
            "subdistrict": subdistricts.get(item["subdistrict"]),  # missing code: leave unassigned
            "established_on": item["established_on"],
            "settled_on": item.get("settled_on"),
            "registered_capital": item["registered_capital"],
            "group_name": item.get("group_name", ""),
            "is_key": item.get("is_key", False),
            "is_supply_assured": item.get("is_supply_assured", False),
            "is_foreign_funded": item.get("is_foreign_funded", False),
            "is_listed": item.get("is_listed", False),
            "listing_board": item.get("listing_board", ""),
            "ticker": item.get("ticker", ""),
            "description": item.get("description", ""),
        }
        enterprise, is_new = Enterprise.objects.update_or_create(uscc=item["uscc"], defaults=defaults)
        for name in item["tags"]:
            if name not in tags:
                tags[name] = Tag.objects.get_or_create(name=name)[0]
        enterprise.tags.set([tags[name] for name in item["tags"]])
        for index, (name, title, mobile) in enumerate(item["contacts"]):
            EnterpriseContact.objects.get_or_create(
                enterprise=enterprise,
                name=name,
                defaults={"title": title, "mobile": mobile, "is_primary": index == 0},
            )
        if is_new:
            created += 1
            record(None, actions.ENTERPRISE_CREATED, enterprise, note="demo", username="demo")
        if item["key"]:
            by_key[item["key"]] = enterprise
    _link_enterprise_user(by_key["xingchen"])
    demo.objects["enterprises"] = by_key
    demo.say(f"enterprises: {len(NAMED) + GENERATED} in the registry ({created} new)")


def _link_enterprise_user(enterprise: Enterprise) -> None:
    """Let the demo user "enterprise" sign in as 星辰材料's logistics contact and see only that enterprise."""
    user = User.objects.filter(username="enterprise").first()
    if user is None:
        return
    EnterpriseContact.objects.filter(enterprise=enterprise, name="周立新", user__isnull=True).update(user=user)
    if Role.objects.filter(code=CONTACT_ROLE).exists():
        return  # the accounts demo made the role and gave it to the user
    from django.contrib.auth.models import Permission

    role = Role.objects.create(
        code=CONTACT_ROLE, name="企业联络员", data_scope=DataScope.SELF, description="企业联系人：只看本企业"
    )
    role.permissions.set(Permission.objects.filter(content_type__app_label="enterprises", codename="view_enterprise"))
    user.roles.add(role)
