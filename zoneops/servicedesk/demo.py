"""Demo service desk: the zone's 12 hotlines, the service catalogue and spring-2022 cases (safe to run again).

Every case is made through the services, so numbers, deadlines (Chinese working days), timelines and
audit rows are the real ones. To replay history, `clock.now` is pointed at each step's moment while
the services run; afterwards the rows' `created_at` / `updated_at` (set by Django's auto_now from the
real time) are rewritten to the replayed moments. The case history is made once: a second run only
refreshes the catalogue and the role permissions.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zoneops.accounts.models import Department, Role, User
from zoneops.core import clock
from zoneops.core.errors import DomainError
from zoneops.servicedesk import services, workdays
from zoneops.servicedesk.choices import Channel, Priority
from zoneops.servicedesk.models import Case, CaseTask, Category, HotlineCategory, SlaRule

SEED = 20220410
GENERAL_CASES = 250
VISIT_CASES = 124  # "协调解决企业反映的问题120多个"
HISTORY_END = timezone.make_aware(dt.datetime(2022, 5, 31, 18, 0))

# The zone's 12 categories of hotlines and service websites (seed: "12个大类热线电话和办事网站").
HOTLINES = [
    ("12345", "12345 政务服务便民热线", "12345", "https://www.nantong.gov.cn/12345/"),
    ("ENT", "企业服务专线", "0513-85999000", "https://www.ntetdz.gov.cn/qyfw/"),
    ("EPI", "疫情防控咨询热线", "0513-85999120", "https://www.ntetdz.gov.cn/yqfk/"),
    ("PASS", "车辆通行证办理热线", "0513-85999110", "https://www.ntetdz.gov.cn/txz/"),
    ("SUPPLY", "生活物资保供热线", "0513-85999115", "https://www.ntetdz.gov.cn/bg/"),
    ("12315", "12315 市场监管投诉举报", "12315", "https://www.12315.cn/"),
    ("12319", "12319 城建服务热线", "12319", "https://zjj.nantong.gov.cn/"),
    ("12350", "12350 安全生产举报", "12350", "https://yjglj.nantong.gov.cn/"),
    ("12333", "12333 人社服务热线", "12333", "https://jshrss.jiangsu.gov.cn/"),
    ("12366", "12366 纳税服务热线", "12366", "https://jiangsu.chinatax.gov.cn/"),
    ("12328", "12328 交通运输服务热线", "12328", "https://jtj.nantong.gov.cn/"),
    ("GOV", "政务服务网 开发区旗舰店", "0513-85999088", "https://www.jszwfw.gov.cn/"),
]

SLA_RULES = [
    ("consultation", "咨询类 (1个工作日)", Decimal(1), Decimal("0.5")),
    ("general", "一般类 (5个工作日)", Decimal(5), Decimal(2)),
    ("complex", "复杂类 (15个工作日)", Decimal(15), Decimal(5)),
]

# (code, name, parent, default department, SLA rule, consultation, extra fields)
CATEGORIES = [
    ("EPI", "疫情防控", None, "ZB-QY", "general", False, []),
    (
        "EPI-TEST",
        "核酸登门检测",
        "EPI",
        "YJJ",
        "general",
        False,
        [{"code": "people", "label": "需检测人数", "type": "int", "required": False}],
    ),
    (
        "EPI-TRANSPORT",
        "物资车辆运输",
        "EPI",
        "KK",
        "general",
        False,
        [{"code": "plates", "label": "车牌号", "type": "text", "required": False}],
    ),
    (
        "EPI-SUPPLY",
        "后勤保供",
        "EPI",
        "SCJ",
        "general",
        False,
        [{"code": "workers", "label": "涉及人数", "type": "int", "required": False}],
    ),
    ("EPI-CONSULT", "防疫政策咨询", "EPI", "XSJ", "consultation", True, []),
    ("ENT", "企业服务", None, "XSJ", "general", False, []),
    ("ENT-RESUME", "复工复产", "ENT", "JFJ", "complex", False, []),
    ("ENT-APPROVAL", "审批服务", "ENT", "XSJ", "general", False, []),
    ("ENT-POLICY", "惠企政策咨询", "ENT", "XSJ", "consultation", True, []),
    ("MKT", "市场监管", None, "SCJ", "general", False, []),
    ("MKT-PRICE", "价格投诉", "MKT", "SCJ", "general", False, []),
    ("MKT-FOOD", "食品安全", "MKT", "SCJ", "general", False, []),
    ("CITY", "城建管理", None, "ZJJ", "general", False, []),
    ("CITY-SITE", "工地管理", "CITY", "ZJJ", "general", False, []),
    ("CITY-PROPERTY", "物业与住房", "CITY", "ZJJ", "complex", False, []),
    ("SAFE", "应急与安全", None, "YJJ", "general", False, []),
    ("SAFE-HELP", "紧急求助", "SAFE", "YJJ", "general", False, []),
    ("SAFE-HAZARD", "安全生产隐患", "SAFE", "YJJ", "general", False, []),
    ("PASS", "通行证咨询", None, "KK", "consultation", True, []),
]

ROLE_PERMISSIONS = {
    "service_desk": (
        "intake_case",
        "dispatch_case",
        "arbitrate_case",
        "follow_up_case",
        "supervise_case",
        "view_kpi",
        "view_case",
    ),
    "zone_leader": ("view_case", "view_kpi", "supervise_case"),
    "department_staff": ("view_case", "handle_task", "intake_case"),
    "market_supervision": ("view_case", "handle_task", "intake_case"),
    "grid_worker": ("view_case", "handle_task", "intake_case"),
}

GENERAL_TOPICS = {
    "EPI-TEST": ["企业员工核酸检测排期", "申请上门核酸采样", "车间员工集中检测"],
    "EPI-TRANSPORT": ["原料运输车辆被卡口拦截", "货车司机通行证明", "跨市物流车辆通行"],
    "EPI-SUPPLY": ["小区生活物资配送", "封控楼栋蔬菜供应", "企业食堂食材短缺"],
    "EPI-CONSULT": ["返通人员隔离政策", "核酸检测频次要求", "密接人员管控时间"],
    "ENT-RESUME": ["复工复产方案审核", "闭环生产员工住宿", "上下游配套企业复工"],
    "ENT-APPROVAL": ["营业执照变更办理", "施工许可延期", "食品经营许可续证"],
    "ENT-POLICY": ["稳岗补贴申请条件", "租金减免政策", "留抵退税办理"],
    "MKT-PRICE": ["超市蔬菜价格过高", "药店口罩涨价", "团购套餐价格不明"],
    "MKT-FOOD": ["团购食品过期", "外卖食品卫生问题"],
    "CITY-SITE": ["工地夜间施工噪音", "工地封闭管理", "渣土车遗撒"],
    "CITY-PROPERTY": ["小区电梯故障", "物业封控期间服务不到位", "安置房漏水"],
    "SAFE-HELP": ["独居老人需要送药", "孕妇产检出行", "透析病人就医通行"],
    "SAFE-HAZARD": ["仓库消防通道堵塞", "危化品车辆停放", "厂房电线老化"],
    "PASS": ["通行证办理材料", "通行证有效期", "外卖骑手通行证明"],
}
VISIT_TOPICS = [
    ("EPI-TEST", "核酸登门检测"),
    ("EPI-TRANSPORT", "物资车辆运输"),
    ("EPI-SUPPLY", "后勤保供"),
    ("ENT-RESUME", "复工复产"),
]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = "建华 志强 秀英 丽娟 海涛 建军 晓东 文静 立新 春燕 国平 红梅 永刚 雪芳 俊杰 玉兰 伟东 明辉 桂芳 卫东".split()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai moment."""
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@contextmanager
def replay(moment: dt.datetime) -> Iterator[None]:
    """Run services as if it were `moment` (clock.now is the only time source they use)."""
    original = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = original


def build_catalogue(say) -> dict[str, Category]:
    """Hotlines, SLA rules and the category tree (updated in place on every run)."""
    for order, (code, name, number, website) in enumerate(HOTLINES, start=1):
        HotlineCategory.objects.update_or_create(
            code=code, defaults={"name": name, "number": number, "website": website, "sort_order": order}
        )
    rules = {}
    for code, name, days, urgent_days in SLA_RULES:
        rules[code], _ = SlaRule.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "resolve_working_days": days,
                "urgent_resolve_working_days": urgent_days,
                "sign_working_hours": 2,
                "urgent_sign_working_hours": 1,
                "emergency_sign_minutes": 30,
                "emergency_resolve_minutes": 120,
            },
        )
    departments = {d.code: d for d in Department.objects.all()}
    categories: dict[str, Category] = {}
    for order, (code, name, parent, department, rule, consult, extra) in enumerate(CATEGORIES, start=1):
        categories[code], _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": categories.get(parent) if parent else None,
                "default_department": departments.get(department),
                "sla_rule": rules[rule],
                "is_consultation": consult,
                "extra_fields": extra,
                "sort_order": order,
            },
        )
    say(f"  servicedesk: {len(HOTLINES)} hotlines, {len(rules)} SLA rules, {len(categories)} categories")
    return categories


def grant_role_permissions(say) -> None:
    """Give the demo roles the service-desk permissions they need (accounts' role specs know only CRUD ones)."""
    for role_code, codenames in ROLE_PERMISSIONS.items():
        role = Role.objects.filter(code=role_code).first()
        if role is None:
            say(f"  servicedesk: role {role_code} missing; skipped")
            continue
        role.permissions.add(*Permission.objects.filter(content_type__app_label="servicedesk", codename__in=codenames))


def handlers() -> dict[str, User]:
    """One user per department who may handle its tasks."""
    users = (
        User.objects.filter(is_active=True, department__isnull=False)
        .filter(Q(roles__permissions__codename="handle_task"))
        .select_related("department")
        .order_by("username")
        .distinct()
    )
    result: dict[str, User] = {}
    for user in users:
        result.setdefault(user.department.code, user)
    return result


class Replayer:
    """Walks one case through its life at given moments, through the services."""

    def __init__(self, rnd: random.Random, desks: list[User], handler: dict[str, User]):
        self.rnd = rnd
        self.desks = desks
        self.handler = handler
        self.calendar = workdays.load_calendar()

    def desk(self) -> User:
        return self.rnd.choice(self.desks)

    def later(self, moment: dt.datetime, hours: float) -> dt.datetime:
        return self.calendar.add_working_hours(moment, hours)

    def task(self, case: Case, department_code: str) -> CaseTask:
        task = CaseTask.objects.select_related("department").get(
            case=case, department__code=department_code, status__in=services.LIVE_TASKS
        )
        task.case = Case.objects.get(pk=case.pk)
        return task

    def fresh(self, case: Case) -> Case:
        return Case.objects.select_related("category__sla_rule", "department").get(pk=case.pk)

    def dispatch(self, case: Case, when: dt.datetime, lead: str, assisting=(), arbitrate: bool = False) -> None:
        departments = {d.code: d for d in Department.objects.filter(code__in=[lead, *assisting])}
        with replay(when):
            call = services.arbitrate_case if arbitrate else services.dispatch_case
            kwargs = {"note": "审定：由该部门主办，结论为最终决定"} if arbitrate else {}
            call(
                actor=self.desk(),
                case=self.fresh(case),
                department=departments[lead],
                assisting=[departments[c] for c in assisting],
                **kwargs,
            )

    def handle(
        self, case: Case, code: str, when: dt.datetime, *, resolve_after: float, resolution: str, note: str = ""
    ) -> dt.datetime:
        """Sign for, start and resolve one department's task; returns the resolution moment."""
        user = self.handler[code]
        with replay(when):
            services.accept_task(actor=user, task=self.task(case, code), note="已签收")
        started = when + dt.timedelta(minutes=self.rnd.randint(5, 60))
        with replay(started):
            services.start_task(actor=user, task=self.task(case, code))
        if note:
            with replay(started + dt.timedelta(minutes=20)):
                services.note_progress(actor=user, task=self.task(case, code), note=note)
        done = self.later(started, resolve_after)
        with replay(done):
            services.resolve_task(actor=user, task=self.task(case, code), resolution=resolution)
        return done

    def follow_up(
        self, case: Case, when: dt.datetime, satisfaction: str, reason: str = "", attributable: bool = False
    ) -> None:
        with replay(when):
            services.follow_up_case(
                actor=self.desk(),
                case=self.fresh(case),
                satisfaction=satisfaction,
                reason=reason,
                is_attributable=attributable,
            )

    def close(self, case: Case, when: dt.datetime, note: str = "") -> None:
        with replay(when):
            services.close_case(actor=self.desk(), case=self.fresh(case), note=note)


def _stamp(case: Case) -> None:
    """Rewrite auto_now timestamps to the replayed history (see the module docstring)."""
    events = list(case.events.order_by("at").values_list("at", flat=True))
    Case.objects.filter(pk=case.pk).update(created_at=events[0], updated_at=events[-1])
    for task in CaseTask.objects.filter(case=case):
        CaseTask.objects.filter(pk=task.pk).update(
            created_at=task.dispatched_at, updated_at=task.resolved_at or task.returned_at or task.dispatched_at
        )


def build_seed_cases(r: Replayer, categories, users: dict[str, User], enterprises: dict) -> None:
    """The two cases the seed tells in detail."""
    hotline = HotlineCategory.objects.get(code="SUPPLY")
    contractor = enterprises.get("xiaohai_contractor")
    # 4月8日 小海十二期安置房: 450多名工人, 肉、菜、副食品告急 → 住建局.
    with replay(at(2022, 4, 8, 8, 42)):
        case = services.register_case(
            actor=users.get("desk") or r.desk(),
            channel=Channel.HOTLINE,
            hotline=hotline,
            category=categories["EPI-SUPPLY"],
            priority=Priority.URGENT,
            enterprise=contractor,
            requester_name="" if contractor else "顾海兵",
            title="小海十二期安置房工地450多名工人生活物资告急",
            description="小海十二期安置房项目位于管控区，工地现有施工人员450多人，肉、菜、副食品告急，请求协调保供。",
            address="南通市经济技术开发区小海街道 小海十二期安置房工地",
            tags=["保供", "工地"],
            extra={"workers": 456},
        )
    r.dispatch(case, at(2022, 4, 8, 9, 5), "ZJJ", assisting=["SCJ"])
    r.handle(case, "SCJ", at(2022, 4, 8, 9, 30), resolve_after=2, resolution="联系保供企业备货肉、菜、副食品两车")
    r.handle(
        case,
        "ZJJ",
        at(2022, 4, 8, 9, 20),
        resolve_after=6,
        note="已与施工总承包单位对接需求清单",
        resolution="物资当日送达工地，工地食堂恢复正常供应",
    )
    r.follow_up(case, at(2022, 4, 9, 10), "satisfied")
    r.close(case, at(2022, 4, 11, 9))
    _stamp(case)

    # 4月10日 竹韵花园: 74岁的陈建和胸口剧痛, 网格员包颖杰 → 社区党委书记袁辉, 3个卡口, 12公里10分钟.
    grid_worker = users.get("gridworker")
    with replay(at(2022, 4, 10, 1, 12)):
        case = services.register_case(
            actor=grid_worker or r.desk(),
            channel=Channel.GRID,
            category=categories["SAFE-HELP"],
            priority=Priority.EMERGENCY,
            requester_name="陈建和",
            requester_mobile="13962871074",
            title="竹韵花园74岁老人胸口剧痛紧急送医",
            description="竹韵花园封控楼栋居民陈建和（74岁）突发胸口剧痛，家属求助，需立即送医。",
            address="竹韵花园",
            latitude=Decimal("32.009100"),
            longitude=Decimal("120.977800"),
            tags=["紧急送医"],
        )
    r.dispatch(case, at(2022, 4, 10, 1, 14), "ZX-ZYHY-01", assisting=["ZX-ZYHY"])
    grid, community = r.handler["ZX-ZYHY-01"], r.handler["ZX-ZYHY"]
    steps = [
        (at(2022, 4, 10, 1, 15), services.accept_task, grid, "ZX-ZYHY-01", {"note": "网格员包颖杰到场，老人胸口剧痛"}),
        (at(2022, 4, 10, 1, 15), services.start_task, grid, "ZX-ZYHY-01", {}),
        (
            at(2022, 4, 10, 1, 16),
            services.note_progress,
            grid,
            "ZX-ZYHY-01",
            {"note": "已上报社区党委书记袁辉，请求协调车辆与卡口"},
        ),
        (at(2022, 4, 10, 1, 17), services.accept_task, community, "ZX-ZYHY", {"note": "袁辉接报"}),
        (at(2022, 4, 10, 1, 17), services.start_task, community, "ZX-ZYHY", {}),
        (
            at(2022, 4, 10, 1, 18),
            services.resolve_task,
            community,
            "ZX-ZYHY",
            {"resolution": "协调车辆出发，提前联系沿途3个卡口放行"},
        ),
        (
            at(2022, 4, 10, 1, 29),
            services.resolve_task,
            grid,
            "ZX-ZYHY-01",
            {"resolution": "12公里10分钟送达南通瑞慈医院，病人得到及时救治"},
        ),
    ]
    for moment, service, actor, code, kwargs in steps:
        with replay(moment):
            service(actor=actor, task=r.task(case, code), **kwargs)
    r.follow_up(case, at(2022, 4, 11, 10), "satisfied")
    r.close(case, at(2022, 4, 20, 10), note="陈建和家属送来锦旗致谢")
    _stamp(case)


def _person(rnd: random.Random) -> tuple[str, str]:
    name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
    mobile = rnd.choice(("138", "139", "151", "187", "177")) + "".join(rnd.choice("0123456789") for _ in range(8))
    return name, mobile


def _life(r: Replayer, case: Case, registered: dt.datetime, lead: str, open_until: dt.datetime | None) -> None:
    """A typical path after registration; stops at `open_until` (later steps are not taken)."""
    rnd = r.rnd

    def reached(moment: dt.datetime) -> bool:
        return open_until is not None and moment > open_until

    dispatch_at = registered + dt.timedelta(minutes=rnd.randint(8, 90))
    if reached(dispatch_at):
        return
    others = [code for code in r.handler if code != lead and not code.startswith(("ZX-", "XH-", "ZXZ-", "NH-"))]
    assisting = [rnd.choice(others)] if rnd.random() < 0.15 else []
    r.dispatch(case, dispatch_at, lead, assisting=assisting)
    moment = dispatch_at
    roll = rnd.random()
    if roll < 0.10:
        returned_at = r.later(moment, rnd.uniform(0.2, 1.5))
        if reached(returned_at):
            return
        with replay(returned_at):
            services.return_task(
                actor=r.handler[lead],
                task=r.task(case, lead),
                reason=rnd.choice(["not_our_duty", "not_local", "shared_duty"]),
                note="经核实不属于本部门职责，建议改派",
            )
        lead = rnd.choice([c for c in others if c not in assisting] or others)
        assisting = []  # a re-dispatch replaces the whole set of tasks
        moment = returned_at + dt.timedelta(minutes=rnd.randint(10, 60))
        if reached(moment):
            return
        if roll < 0.03:
            r.dispatch(case, moment, lead)
            second = r.later(moment, 0.5)
            with replay(second):
                services.return_task(
                    actor=r.handler[lead],
                    task=r.task(case, lead),
                    reason="shared_duty",
                    note="职能交叉，请指挥中心审定",
                )
            moment = second + dt.timedelta(minutes=30)
            r.dispatch(case, moment, lead, arbitrate=True)
        else:
            r.dispatch(case, moment, lead)
    for code in assisting:
        if code != lead:
            r.handle(
                case,
                code,
                r.later(moment, rnd.uniform(0.1, 1)),
                resolve_after=rnd.uniform(1, 8),
                resolution="协办事项已完成",
            )
    accept_at = r.later(moment, rnd.choices([0.2, 0.5, 1, 1.5, 1.8, 3], weights=[30, 25, 20, 10, 7, 8])[0])
    if reached(accept_at):
        return
    case_now = r.fresh(case)
    # Working hours left until the deadline; one case in ten finishes late.
    left = max(r.calendar.working_seconds_between(accept_at, case_now.due_at) / 3600, 0.5)
    late = rnd.random() < 0.1
    hours = left * (rnd.uniform(1.1, 1.6) if late else rnd.uniform(0.1, 0.9))
    if case_now.priority == Priority.EMERGENCY:
        hours = rnd.uniform(0.2, 1.8) if late else rnd.uniform(0.1, 0.8)
    if open_until is not None and r.later(accept_at, hours) > open_until:
        user = r.handler[lead]
        with replay(accept_at):
            services.accept_task(actor=user, task=r.task(case, lead))
        if rnd.random() < 0.6:
            with replay(accept_at + dt.timedelta(minutes=30)):
                services.start_task(actor=user, task=r.task(case, lead))
        return
    done = r.handle(case, lead, accept_at, resolve_after=hours, resolution="已办结，情况已反馈诉求人")
    follow_at = r.later(done, rnd.uniform(4, 10))
    if reached(follow_at) or case_now.is_anonymous:
        if case_now.is_anonymous and not reached(follow_at):
            r.close(case, follow_at)
        return
    mood = rnd.random()
    if mood < 0.04:
        r.follow_up(case, follow_at, "unsatisfied", reason="问题未实际解决", attributable=True)
        redo_done = r.later(follow_at, rnd.uniform(4, 16))
        with replay(redo_done):
            services.resolve_task(actor=r.handler[lead], task=r.task(case, lead), resolution="重办完成，已上门核实")
        follow_at = r.later(redo_done, 6)
        r.follow_up(case, follow_at, "basically_satisfied")
    elif mood < 0.07:
        r.follow_up(case, follow_at, "unsatisfied", reason="对政策规定不满意")
    elif mood < 0.20:
        r.follow_up(case, follow_at, "basically_satisfied")
    else:
        r.follow_up(case, follow_at, "satisfied")
    close_at = r.later(follow_at, rnd.uniform(2, 16))
    if not reached(close_at):
        r.close(case, close_at)


def build_visit_cases(r: Replayer, categories, enterprises: list, task_force: list[User]) -> None:
    """Problems the 28-person task force recorded visiting enterprises from 2022-04-07, all coordinated."""
    rnd = r.rnd
    visited = rnd.sample(enterprises, min(len(enterprises), VISIT_CASES))
    for index, enterprise in enumerate(visited):
        day = dt.date(2022, 4, 7) + dt.timedelta(days=index * 14 // VISIT_CASES)
        registered = at(day.year, day.month, day.day, rnd.randint(9, 16), rnd.randint(0, 59))
        code, topic = VISIT_TOPICS[index % len(VISIT_TOPICS)]
        with replay(registered):
            case = services.register_case(
                actor=rnd.choice(task_force),
                channel=Channel.FIELD_VISIT,
                category=categories[code],
                priority=Priority.URGENT if code != "ENT-RESUME" else Priority.NORMAL,
                enterprise=enterprise,
                title=f"{enterprise.name[:20]} {topic}",
                description=f"专班走访{enterprise.name}时企业反映：{topic}需协调解决。",
                tags=["专班走访"],
            )
        _life(r, case, registered, categories[code].default_department.code, None)
        _stamp(case)


def build_general_cases(r: Replayer, categories, enterprises: list, intake: list[User]) -> None:
    """The crowd: several hundred requests across channels, categories, departments and outcomes."""
    rnd = r.rnd
    hotlines = list(HotlineCategory.objects.all())
    start = dt.date(2022, 3, 1)
    codes = list(GENERAL_TOPICS)
    for index in range(GENERAL_CASES):
        # Most requests come during the April lockdown.
        offset = int(rnd.triangular(0, 91, 45))
        day = start + dt.timedelta(days=offset)
        registered = at(day.year, day.month, day.day, rnd.randint(0, 23), rnd.randint(0, 59))
        code = rnd.choice(codes)
        category = categories[code]
        channel = rnd.choices(
            [Channel.HOTLINE, Channel.WEBSITE, Channel.WALK_IN, Channel.GRID, Channel.API, Channel.INTERNAL],
            weights=[55, 15, 8, 12, 5, 5],
        )[0]
        priority = rnd.choices([Priority.NORMAL, Priority.URGENT, Priority.EMERGENCY], weights=[78, 18, 4])[0]
        if code == "SAFE-HELP":
            priority = Priority.EMERGENCY
        anonymous = rnd.random() < 0.04
        use_enterprise = not anonymous and code.startswith(("ENT", "EPI", "MKT")) and rnd.random() < 0.6
        name, mobile = _person(rnd)
        topic = rnd.choice(GENERAL_TOPICS[code])
        kwargs = {}
        if category.is_consultation and rnd.random() < 0.7:
            kwargs["answer"] = "已按现行规定当场答复诉求人。"
        try:
            with replay(registered):
                case = services.register_case(
                    actor=rnd.choice(intake),
                    channel=channel,
                    hotline=rnd.choice(hotlines) if channel == Channel.HOTLINE else None,
                    category=category,
                    priority=priority,
                    enterprise=rnd.choice(enterprises) if use_enterprise else None,
                    requester_name="" if use_enterprise else name,
                    requester_mobile="" if use_enterprise else mobile,
                    is_anonymous=anonymous,
                    title=topic,
                    description=f"{topic}，请尽快协调处理。（第{index + 1}件）",
                    **kwargs,
                )
        except DomainError:
            continue
        if case.status != "closed":
            lead = category.default_department.code if rnd.random() < 0.9 else rnd.choice(["SCJ", "ZJJ", "YJJ"])
            if lead not in r.handler:
                lead = "XSJ" if "XSJ" in r.handler else next(iter(r.handler))
            # Requests of May stop somewhere along the way, so every queue has cases in it.
            open_until = None
            if registered > at(2022, 5, 1):
                open_until = min(HISTORY_END, r.later(registered, rnd.choice([0.1, 0.5, 1, 2, 4, 8, 16, 30, 60])))
            _life(r, case, registered, lead, open_until)
            current = Case.objects.get(pk=case.pk)
            if open_until and current.status in ("dispatched", "accepted", "in_progress") and rnd.random() < 0.12:
                with replay(open_until):
                    services.suspend_case(actor=r.desk(), case=r.fresh(case), reason="等待诉求人补充材料")
        _stamp(case)


def build(demo) -> None:
    """Catalogue, role permissions and (once) the spring-2022 case history."""
    say = demo.say
    categories = build_catalogue(say)
    grant_role_permissions(say)
    if Case.objects.filter(created_at__lt=at(2022, 6, 1)).exists():
        say("  servicedesk: case history already present")
        return
    notify_log = logging.getLogger("zoneops.notify")
    level = notify_log.level
    # Hundreds of replayed notices would flood the console; they are sent on commit, so restore afterwards.
    notify_log.setLevel(logging.WARNING)
    try:
        users = {u.username: u for u in User.objects.filter(username__in=["desk", "gridworker", "yuanhui"])}
        desks = list(User.objects.filter(department__code="XSJ-DESK", is_active=True).order_by("username")) or [
            users["desk"]
        ]
        handler = handlers()
        rnd = random.Random(SEED)
        r = Replayer(rnd, desks, handler)
        from zoneops.enterprises.models import Enterprise

        named = demo.objects.get("enterprises", {}) or {}
        crowd = list(Enterprise.objects.order_by("pk"))
        build_seed_cases(r, categories, users, named)
        task_force = list(User.objects.filter(department__code="ZB-QY").order_by("username")) or desks
        build_visit_cases(r, categories, crowd, task_force)
        intake = desks * 4 + [u for u in User.objects.filter(department__code__startswith="ZX-ZYHY-")] + task_force[:2]
        build_general_cases(r, categories, crowd, intake)
        with replay(HISTORY_END):
            counts = services.sweep_cases(now=HISTORY_END)
    except Exception:
        notify_log.setLevel(level)
        raise
    # Registered last, so it runs after every notice queued above.
    transaction.on_commit(lambda: notify_log.setLevel(level))
    say(f"  servicedesk: {Case.objects.count()} cases; sweep at {HISTORY_END:%Y-%m-%d %H:%M}: {counts}")
