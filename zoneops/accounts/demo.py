"""Demo zone, accounts part: the seed's department tree, the roles, and the demo users (idempotent).

Run by `manage.py demo` before every other app's builder. It leaves in `demo.objects`:
  "departments": {code: Department}, "roles": {code: Role}, "users": {username: User},
  "demo_users": [(username, label)] for the credentials file.
Departments get their heads (负责人) from HEADS, which the service desk's supervision notices go to.
Re-running updates names, roles and passwords in place; nothing is ever duplicated.
This is bootstrap data without an acting user, so it writes through the ORM (and the tree helper)
directly; each object it creates for the first time is still recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db.models import Q

from zoneops.accounts import actions
from zoneops.accounts.models import AdminKind, DataScope, Department, DepartmentKind, Post, Role, User
from zoneops.accounts.tree import place
from zoneops.audit.services import record
from zoneops.core import clock

DEMO_ACTOR = "demo"
K = DepartmentKind

# (code, name, short name, kind, parent code): parents come before their children.
DEPARTMENTS: list[tuple[str, str, str, str, str | None]] = [
    ("NTDZ", "南通经济技术开发区党工委、管委会", "管委会", K.COMMITTEE, None),
    ("TCJ", "投资促进局", "投促局", K.BUREAU, "NTDZ"),
    ("TCJ-1", "招商一局", "", K.INVESTMENT_UNIT, "TCJ"),
    ("TCJ-2", "招商二局", "", K.INVESTMENT_UNIT, "TCJ"),
    ("TCJ-3", "招商三局", "", K.INVESTMENT_UNIT, "TCJ"),
    ("TCJ-4", "招商四局", "", K.INVESTMENT_UNIT, "TCJ"),
    ("TCJ-WZ", "外资招商局", "", K.INVESTMENT_UNIT, "TCJ"),
    ("XSJ", "行政审批局", "行审局", K.BUREAU, "NTDZ"),
    ("XSJ-DESK", "政务服务中心疫情防控服务专班", "服务专班", K.TASK_FORCE, "XSJ"),
    ("SCJ", "市场监督管理局", "市场监管局", K.BUREAU, "NTDZ"),
    ("ZJJ", "住房和城乡建设局", "住建局", K.BUREAU, "NTDZ"),
    ("YJJ", "应急管理局", "应急局", K.BUREAU, "NTDZ"),
    ("JFJ", "经济发展局", "经发局", K.BUREAU, "NTDZ"),
    ("JFJ-TJ", "统计科", "", K.OFFICE, "JFJ"),
    ("ZZB", "党工委组织部", "组织部", K.OFFICE, "NTDZ"),
    ("ZB-QY", "企业疫情防控和安全生产工作专班", "企业专班", K.TASK_FORCE, "NTDZ"),
    ("KK", "卡口管理办公室", "卡口办", K.OFFICE, "NTDZ"),
    ("ZX", "竹行街道", "", K.SUBDISTRICT, "NTDZ"),
    ("ZX-ZYHY", "竹韵花园社区", "", K.COMMUNITY, "ZX"),
    ("ZX-ZYHY-01", "竹韵花园社区第一网格", "第一网格", K.GRID, "ZX-ZYHY"),
    ("ZX-ZYHY-02", "竹韵花园社区第二网格", "第二网格", K.GRID, "ZX-ZYHY"),
    ("ZX-ZYHY-03", "竹韵花园社区第三网格", "第三网格", K.GRID, "ZX-ZYHY"),
    ("ZX-ZH", "竹行社区", "", K.COMMUNITY, "ZX"),
    ("ZX-ZH-01", "竹行社区第一网格", "第一网格", K.GRID, "ZX-ZH"),
    ("ZX-ZH-02", "竹行社区第二网格", "第二网格", K.GRID, "ZX-ZH"),
    ("ZX-CQ", "长桥社区", "", K.COMMUNITY, "ZX"),
    ("ZX-CQ-01", "长桥社区第一网格", "第一网格", K.GRID, "ZX-CQ"),
    ("XH", "小海街道", "", K.SUBDISTRICT, "NTDZ"),
    ("XH-XH", "小海社区", "", K.COMMUNITY, "XH"),
    ("XH-XH-01", "小海社区第一网格", "第一网格", K.GRID, "XH-XH"),
    ("XH-XH-02", "小海社区第二网格", "第二网格", K.GRID, "XH-XH"),
    ("XH-ZF", "振丰社区", "", K.COMMUNITY, "XH"),
    ("XH-ZF-01", "振丰社区第一网格", "第一网格", K.GRID, "XH-ZF"),
    ("ZXZ", "中兴街道", "", K.SUBDISTRICT, "NTDZ"),
    ("ZXZ-ZX", "中兴社区", "", K.COMMUNITY, "ZXZ"),
    ("ZXZ-ZX-01", "中兴社区第一网格", "第一网格", K.GRID, "ZXZ-ZX"),
    ("ZXZ-ZX-02", "中兴社区第二网格", "第二网格", K.GRID, "ZXZ-ZX"),
    ("ZXZ-YH", "园和社区", "", K.COMMUNITY, "ZXZ"),
    ("ZXZ-YH-01", "园和社区第一网格", "第一网格", K.GRID, "ZXZ-YH"),
    ("NH", "新开街道", "", K.SUBDISTRICT, "NTDZ"),
    ("NH-XK", "新开社区", "", K.COMMUNITY, "NH"),
    ("NH-XK-01", "新开社区第一网格", "第一网格", K.GRID, "NH-XK"),
    ("NH-XK-02", "新开社区第二网格", "第二网格", K.GRID, "NH-XK"),
    ("NH-NY", "南苑社区", "", K.COMMUNITY, "NH"),
    ("NH-NY-01", "南苑社区第一网格", "第一网格", K.GRID, "NH-NY"),
]

# Apps whose records are business data (the administrators get none of their permissions).
BUSINESS_APPS = ("enterprises", "investment", "economy", "servicedesk", "passes")


@dataclass(frozen=True)
class RoleSpec:
    """A demo role: explicit permissions plus (app, codename prefix) patterns."""

    code: str
    name: str
    scope: str
    perms: tuple[str, ...] = ()
    patterns: tuple[tuple[str, str], ...] = ()
    admin_kind: str = AdminKind.NONE
    description: str = ""


def _crud(app: str, *verbs: str) -> tuple[tuple[str, str], ...]:
    return tuple((app, f"{verb}_") for verb in verbs)


ROLES: list[RoleSpec] = [
    RoleSpec(
        "sys_admin",
        "系统管理员",
        DataScope.ALL,
        admin_kind=AdminKind.SYSTEM,
        perms=("accounts.manage_department", "accounts.manage_user", "accounts.manage_role"),
        description="三员分立：管理部门、用户与角色，不办理业务",
    ),
    RoleSpec(
        "sec_admin",
        "安全保密管理员",
        DataScope.ALL,
        admin_kind=AdminKind.SECURITY,
        perms=("accounts.manage_sessions", "accounts.view_login_log"),
        description="三员分立：管理会话与登录日志，不办理业务",
    ),
    RoleSpec(
        "audit_admin",
        "安全审计员",
        DataScope.ALL,
        admin_kind=AdminKind.AUDIT,
        perms=("audit.view_audit_trail",),
        description="三员分立：查阅审计日志，不办理业务",
    ),
    RoleSpec(
        "zone_leader",
        "管委会领导",
        DataScope.ALL,
        patterns=tuple((app, "view_") for app in BUSINESS_APPS),
        description="查看全区业务数据",
    ),
    RoleSpec(
        "service_desk",
        "服务专班坐席",
        DataScope.ALL,
        perms=("enterprises.view_enterprise", "enterprises.add_enterprise", "enterprises.change_enterprise"),
        patterns=_crud("servicedesk", "view", "add", "change"),
        description="受理企业和群众诉求，派单督办",
    ),
    RoleSpec(
        "investment_staff",
        "招商人员",
        DataScope.DEPARTMENT_AND_BELOW,
        perms=("enterprises.view_enterprise", "enterprises.add_enterprise"),
        patterns=_crud("investment", "view", "add", "change"),
        description="维护项目库与洽谈记录",
    ),
    RoleSpec(
        "statistics",
        "统计人员",
        DataScope.ALL,
        perms=("economy.publish_period", "economy.manage_indicator"),
        patterns=_crud("economy", "view", "add", "change"),
        description="录入经济指标，发布排名与通报",
    ),
    RoleSpec(
        "market_supervision",
        "市场监管人员",
        DataScope.DEPARTMENT,
        perms=("enterprises.view_enterprise",),
        description="市场监管局业务",
    ),
    RoleSpec("grid_worker", "网格员", DataScope.DEPARTMENT, description="本网格居民与应急事项"),
    RoleSpec(
        "enterprise_contact",
        "企业联系人",
        DataScope.SELF,
        perms=("enterprises.view_enterprise",),
        description="本企业的诉求与申请",
    ),
    RoleSpec("department_staff", "部门工作人员", DataScope.DEPARTMENT, description="本部门的任务"),
]


@dataclass(frozen=True)
class UserSpec:
    """A demo user."""

    username: str
    full_name: str
    department: str | None
    title: str
    roles: tuple[str, ...]
    mobile: str
    label: str = ""  # shown in the credentials file; empty = not listed there
    is_staff: bool = True
    home: str | None = None  # home unit of a seconded task-force member (kept as a post)


# The accounts the credentials file lists and the browser test signs in as, one per kind of user.
PRIMARY_USERS: list[UserSpec] = [
    UserSpec("sysadmin", "周文博", "NTDZ", "系统管理员", ("sys_admin",), "13906280001", "系统管理员 (三员)"),
    UserSpec("secadmin", "钱丽华", "NTDZ", "安全保密管理员", ("sec_admin",), "13906280002", "安全保密管理员 (三员)"),
    UserSpec("auditor", "孙海燕", "NTDZ", "安全审计员", ("audit_admin",), "13906280003", "安全审计员 (三员)"),
    UserSpec("leader", "李志远", "NTDZ", "管委会主任", ("zone_leader",), "13906280004", "管委会领导"),
    UserSpec("desk", "陆晓燕", "XSJ-DESK", "服务专班组长", ("service_desk",), "13906280005", "行审局服务专班"),
    UserSpec("invest", "徐海峰", "TCJ-1", "招商一局局长", ("investment_staff",), "13906280006", "投资促进局 招商一局"),
    UserSpec("stats", "顾敏", "JFJ-TJ", "统计科科长", ("statistics",), "13906280007", "经发局 统计科"),
    UserSpec("msb", "王瑞涛", "SCJ", "市场监管局局长", ("market_supervision",), "13906280008", "市场监管局局长"),
    UserSpec(
        "gridworker", "包颖杰", "ZX-ZYHY-01", "网格员", ("grid_worker",), "13906280009", "竹韵花园社区第一网格 网格员"
    ),
    UserSpec(
        "enterprise",
        "沈佳怡",
        None,
        "南通星辰合成材料有限公司 行政部经理",
        ("enterprise_contact",),
        "13906280010",
        "企业联系人 (南通星辰合成材料)",
        is_staff=False,
    ),
]

SURNAMES = "张王李赵刘陈杨黄周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘蒋蔡余杜叶程苏魏吕丁任姚卢姜崔钟谭汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺毛郝龚邵万严武戴莫孔向汤"
GIVEN_NAMES = (
    "建华 志强 秀英 丽娟 海涛 建军 晓东 文静 立新 春燕 国平 红梅 永刚 雪芳 俊杰 玉兰 伟东 晓燕 明辉 桂芳 "
    "子涵 浩然 欣怡 宇航 思远 一鸣 梦琪 宏伟 静怡 天宇 晨曦 佳琪 凯文 雨婷 国庆 卫东 爱华 家豪 瑞雪 海燕"
).split()


def _name(index: int) -> str:
    """A deterministic Chinese name for the index-th generated person."""
    return SURNAMES[(index * 7) % len(SURNAMES)] + GIVEN_NAMES[(index * 11) % len(GIVEN_NAMES)]


def staff_users() -> list[UserSpec]:
    """Everyone else: the desk team, the task force, unit staff and the community party secretary."""
    specs: list[UserSpec] = [
        UserSpec(
            "yuanhui",
            "袁辉",
            "ZX-ZYHY",
            "竹韵花园社区党委书记",
            ("department_staff",),
            "13906280011",
            "竹韵花园社区党委书记",
        ),
    ]
    counter = iter(range(1, 1000))

    def add(code: str, count: int, title: str, roles: tuple[str, ...], start: int = 1, home=None) -> None:
        for n in range(start, start + count):
            index = next(counter)
            home_code = home(n) if callable(home) else home
            specs.append(
                UserSpec(
                    f"{code.lower()}-{n:02d}", _name(index), code, title, roles, f"1391628{index:04d}", home=home_code
                )
            )

    # The command-centre desk is a six-person team: `desk` plus five.
    add("XSJ-DESK", 5, "服务专班坐席", ("service_desk",), start=2)
    # 28 task-force members seconded from the emergency-management and administrative-approval bureaus.
    add("ZB-QY", 28, "专班成员", ("department_staff",), home=lambda n: "YJJ" if n <= 16 else "XSJ")
    for unit in ("TCJ-1", "TCJ-2", "TCJ-3", "TCJ-4", "TCJ-WZ"):
        add(unit, 2, "招商专员", ("investment_staff",), start=2 if unit == "TCJ-1" else 1)
    add("TCJ", 1, "投资促进局局长", ("investment_staff",))
    add("JFJ-TJ", 2, "统计员", ("statistics",), start=2)
    add("SCJ", 3, "市场监管执法人员", ("market_supervision",), start=2)
    for code in ("XSJ", "ZJJ", "YJJ", "JFJ", "ZZB", "KK"):
        add(code, 2, "科员", ("department_staff",))
    for grid in ("ZX-ZYHY-02", "ZX-ZYHY-03", "ZX-ZH-01", "XH-XH-01", "ZXZ-ZX-01", "NH-XK-01"):
        add(grid, 1, "网格员", ("grid_worker",))
    return specs


# Heads of the bureaus and offices whose only demo staff were clerks; usernames sort after "<code>-01", so the
# clerk stays the one the service-desk demo picks to handle tasks.
HEAD_USERS: list[UserSpec] = [
    UserSpec("xsj-head", "陈立群", "XSJ", "行政审批局局长", ("department_staff",), "13906280012"),
    UserSpec("zjj-head", "吴建平", "ZJJ", "住建局局长", ("department_staff",), "13906280013"),
    UserSpec("yjj-head", "蒋卫国", "YJJ", "应急管理局局长", ("department_staff",), "13906280014"),
    UserSpec("jfj-head", "曹永明", "JFJ", "经济发展局局长", ("department_staff",), "13906280015"),
    UserSpec("zzb-head", "许文涛", "ZZB", "组织部部长", ("department_staff",), "13906280016"),
    UserSpec("kk-head", "潘志刚", "KK", "卡口办主任", ("department_staff",), "13906280017"),
]

# Posts (兼职) that make a head a member of the unit they lead: (username, department code, job title).
HEAD_POSTS: list[tuple[str, str, str]] = [("yjj-head", "ZB-QY", "企业专班组长")]

# Department code -> username of its head: every unit that leads service-desk cases in the demo has one.
HEADS: dict[str, str] = {
    "NTDZ": "leader",
    "TCJ": "tcj-01",
    "TCJ-1": "invest",
    "XSJ": "xsj-head",
    "XSJ-DESK": "desk",
    "SCJ": "msb",
    "ZJJ": "zjj-head",
    "YJJ": "yjj-head",
    "JFJ": "jfj-head",
    "JFJ-TJ": "stats",
    "ZZB": "zzb-head",
    "ZB-QY": "yjj-head",
    "KK": "kk-head",
    "ZX-ZYHY": "yuanhui",
    # A grid's one grid worker is the person answerable for it.
    "ZX-ZYHY-01": "gridworker",
    "ZX-ZYHY-02": "zx-zyhy-02-01",
    "ZX-ZYHY-03": "zx-zyhy-03-01",
    "ZX-ZH-01": "zx-zh-01-01",
    "XH-XH-01": "xh-xh-01-01",
    "ZXZ-ZX-01": "zxz-zx-01-01",
    "NH-XK-01": "nh-xk-01-01",
}


def _permission(code: str) -> Permission | None:
    app_label, _, codename = code.partition(".")
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def role_permissions(spec: RoleSpec, say) -> list[Permission]:
    """The permissions a role spec names that exist now (other apps may not be installed yet)."""
    found: list[Permission] = []
    for code in spec.perms:
        permission = _permission(code)
        if permission is None:
            say(f"  role {spec.code}: permission {code} does not exist (yet); skipped")
        else:
            found.append(permission)
    if spec.patterns:
        where = Q()
        for app_label, prefix in spec.patterns:
            where |= Q(content_type__app_label=app_label, codename__startswith=prefix)
        found += list(Permission.objects.filter(where).exclude(pk__in=[p.pk for p in found]))
    return found


def _created(action: str, obj) -> None:
    record(None, action, obj, username=DEMO_ACTOR, note="demo zone")


def build_departments(say) -> dict[str, Department]:
    """Create or update the seed's department tree; codes are stable keys."""
    departments: dict[str, Department] = {}
    for order, (code, name, short_name, kind, parent_code) in enumerate(DEPARTMENTS, start=1):
        parent = departments[parent_code] if parent_code else None
        department, created = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short_name,
                "kind": kind,
                "parent": parent,
                "sort_order": order * 10,
                "is_active": True,
            },
        )
        place(department)
        departments[code] = department
        if created:
            _created(actions.DEPARTMENT_CREATED, department)
    say(f"  departments: {len(departments)}")
    return departments


def build_roles(say) -> dict[str, Role]:
    """Create or update the roles and (re)set their permissions from the specs."""
    roles: dict[str, Role] = {}
    for spec in ROLES:
        role, created = Role.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "data_scope": spec.scope,
                "admin_kind": spec.admin_kind,
                "is_builtin": spec.admin_kind != AdminKind.NONE,
                "is_active": True,
            },
        )
        role.permissions.set(role_permissions(spec, say))
        roles[spec.code] = role
        if created:
            _created(actions.ROLE_CREATED, role)
    say(f"  roles: {len(roles)}")
    return roles


def build_users(specs: Iterable[UserSpec], *, password: str, departments, roles, say) -> dict[str, User]:
    """Create or update the demo users; every run resets their password to the current demo password."""
    # One hash for everyone: they share the demo password anyway, and hashing once keeps the demo fast.
    hashed = make_password(password)
    now = clock.now()
    users: dict[str, User] = {}
    for spec in specs:
        user = User.objects.filter(username=spec.username).first()
        created = user is None
        if created:
            user = User(username=spec.username)
        user.full_name = spec.full_name
        user.department = departments[spec.department] if spec.department else None
        user.title = spec.title
        user.mobile = spec.mobile
        user.is_staff = spec.is_staff
        user.is_active = True
        user.is_demo = True
        user.password = hashed
        user.password_changed_at = now
        user.must_change_password = False
        user.save()
        user.roles.set([roles[code] for code in spec.roles])
        if spec.home:
            Post.objects.update_or_create(
                user=user,
                department=departments[spec.home],
                defaults={"title": "抽调至" + departments[spec.department].name},
            )
        users[spec.username] = user
        if created:
            _created(actions.USER_CREATED, user)
    say(f"  users: {len(users)}")
    return users


def build_heads(*, departments: dict[str, Department], users: dict[str, User], say) -> None:
    """Give the heads their posts in the units they lead, then set each department's head (changes are audited)."""
    for username, code, title in HEAD_POSTS:
        Post.objects.update_or_create(user=users[username], department=departments[code], defaults={"title": title})
    for code, username in HEADS.items():
        department, head = departments[code], users[username]
        if department.head_id != head.pk:
            before = department.head_id
            Department.objects.filter(pk=department.pk).update(head=head)
            department.head = head
            record(
                None,
                actions.DEPARTMENT_UPDATED,
                department,
                username=DEMO_ACTOR,
                note="demo zone",
                changes={"head": [before, head.pk]},
            )
    say(f"  department heads: {len(HEADS)}")


def build(demo) -> None:
    """Accounts part of the demo zone."""
    demo.say("Accounts: departments, roles, users")
    departments = build_departments(demo.say)
    roles = build_roles(demo.say)
    specs = PRIMARY_USERS + staff_users() + HEAD_USERS
    users = build_users(specs, password=demo.password, departments=departments, roles=roles, say=demo.say)
    build_heads(departments=departments, users=users, say=demo.say)
    demo.objects["departments"] = departments
    demo.objects["roles"] = roles
    demo.objects["users"] = users
    demo.objects["demo_users"] = [(spec.username, spec.label) for spec in specs if spec.label]
