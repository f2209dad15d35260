"""Catalogue services: categories, SLA rules, hotlines, calendar overrides; bad input changes nothing, writes audited."""

import datetime as dt
from decimal import Decimal

import pytest

from zoneops.accounts.models import Department
from zoneops.accounts.tests.factories import DepartmentFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.core.errors import Conflict, DomainError, PermissionDenied
from zoneops.servicedesk import catalogue, services
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk.choices import Channel, Priority
from zoneops.servicedesk.models import Case, Category, HotlineCategory, SlaRule, WorkCalendarOverride
from zoneops.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db

MANAGER_PERMS = (perms.MANAGE_CATALOGUE, perms.MANAGE_SLA, perms.MANAGE_HOTLINES, perms.CHANGE_CALENDAR)


@pytest.fixture
def admin(zone):
    grant(zone.desk, *MANAGER_PERMS)
    return zone.desk


def state():
    """Everything the catalogue services may write, to prove a refusal wrote nothing."""
    return (
        list(Category.objects.order_by("pk").values()),
        list(SlaRule.objects.order_by("pk").values()),
        list(HotlineCategory.objects.order_by("pk").values()),
        list(WorkCalendarOverride.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def new_category(admin, zone, code="EPI-TEST", **kwargs):
    values = {"name": "核酸登门检测", "sla_rule": zone.general.sla_rule, "default_department": zone.yjj}
    values.update(kwargs)
    return catalogue.create_category(actor=admin, code=code, **values)


# ---------------------------------------------------------------------------------------------- categories


def test_create_category_writes_it_and_the_audit_event(admin, zone):
    category = new_category(
        admin,
        zone,
        parent=zone.general,
        extra_fields=[{"code": "people", "label": "需检测人数", "type": "int"}],
        keywords="核酸 检测",
    )
    category.refresh_from_db()
    assert (category.code, category.parent, category.default_department, category.is_active) == (
        "EPI-TEST",
        zone.general,
        zone.yjj,
        True,
    )
    assert category.extra_fields == [{"code": "people", "label": "需检测人数", "type": "int", "required": False}]
    event = AuditEvent.objects.get(action="servicedesk.category_created")
    assert event.actor == admin
    assert event.changes["code"] == [None, "EPI-TEST"]
    assert event.changes["parent"] == [None, "supply"]
    assert event.changes["default_department"] == [None, "YJJ"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "has space"}, "code"),
        ({"code": "a.b"}, "code"),
        ({"code": "x" * 31}, "code"),
        ({"code": "supply"}, "code"),  # taken
        ({"name": "  "}, "name"),
        ({"name": "名" * 61}, "name"),
        ({"sla_rule": None}, "sla_rule"),
        ({"sort_order": -1}, "sort_order"),
        ({"description": "长" * 256}, "description"),
        ({"extra_fields": "people"}, "extra_fields"),
        ({"extra_fields": [{"code": "People", "label": "人数"}]}, "extra_fields"),
        ({"extra_fields": [{"code": "people", "label": ""}]}, "extra_fields"),
        ({"extra_fields": [{"code": "people", "label": "人数", "type": "date"}]}, "extra_fields"),
        ({"extra_fields": [{"code": "kind", "label": "类型", "type": "choice"}]}, "extra_fields"),
        ({"extra_fields": [{"code": "n", "label": "数", "choices": ["a"]}]}, "extra_fields"),
        ({"extra_fields": [{"code": "n", "label": "数"}, {"code": "n", "label": "数"}]}, "extra_fields"),
        ({"extra_fields": [{"code": "n", "label": "数", "colour": "red"}]}, "extra_fields"),
        ({"extra_fields": [{"code": "n", "label": "数", "required": "yes"}]}, "extra_fields"),
    ],
)
def test_create_category_refuses_bad_input_naming_the_field_and_writes_nothing(admin, zone, overrides, field):
    before = state()
    values = {"code": "NEW", "name": "新类别", "sla_rule": zone.general.sla_rule}
    values.update(overrides)
    with pytest.raises(DomainError) as exc:
        catalogue.create_category(actor=admin, **values)
    assert exc.value.field == field
    assert state() == before


def test_duplicate_code_is_a_conflict(admin, zone):
    with pytest.raises(Conflict):
        new_category(admin, zone, code="supply")


def test_same_name_under_the_same_parent_is_refused(admin, zone):
    new_category(admin, zone, parent=zone.general, name="核酸")
    with pytest.raises(Conflict) as exc:
        new_category(admin, zone, code="OTHER", parent=zone.general, name="核酸")
    assert exc.value.field == "name"
    assert new_category(admin, zone, code="ELSEWHERE", name="核酸").parent is None


def test_default_department_must_be_active(admin, zone):
    disabled = DepartmentFactory(code="OLD", is_active=False)
    before = state()
    with pytest.raises(DomainError) as exc:
        new_category(admin, zone, default_department=disabled)
    assert exc.value.field == "default_department"
    assert state() == before


def test_a_department_disabled_later_does_not_block_other_edits(admin, zone):
    Department.objects.filter(pk=zone.zjj.pk).update(is_active=False)
    category = catalogue.update_category(actor=admin, category=zone.general, name="后勤保供（改）")
    assert (category.name, category.default_department_id) == ("后勤保供（改）", zone.zjj.pk)
    with pytest.raises(DomainError) as exc:
        catalogue.update_category(actor=admin, category=zone.consultation, default_department=zone.zjj)
    assert exc.value.field == "default_department"


def test_parent_cycles_are_refused(admin, zone):
    child = new_category(admin, zone, parent=zone.general)
    grandchild = new_category(admin, zone, code="EPI-TEST-2", name="孙", parent=child)
    before = state()
    for parent in (zone.general, child, grandchild):
        with pytest.raises(DomainError) as exc:
            catalogue.update_category(actor=admin, category=zone.general, parent=parent)
        assert exc.value.field == "parent"
    assert state() == before
    moved = catalogue.update_category(actor=admin, category=grandchild, parent=zone.general)
    assert moved.parent == zone.general


def test_update_records_before_and_after_and_a_no_op_records_nothing(admin, zone):
    catalogue.update_category(actor=admin, category=zone.general, name="保供", sla_rule=zone.consultation.sla_rule)
    event = AuditEvent.objects.get(action="servicedesk.category_updated")
    assert event.changes == {"name": ["后勤保供", "保供"], "sla_rule": ["general", "consultation"]}
    catalogue.update_category(actor=admin, category=zone.general, name="保供")
    assert AuditEvent.objects.filter(action="servicedesk.category_updated").count() == 1


def test_code_is_stable(admin, zone):
    with pytest.raises(DomainError) as exc:
        catalogue.update_category(actor=admin, category=zone.general, code="renamed")
    assert exc.value.field == "code"
    assert catalogue.update_category(actor=admin, category=zone.general, code="supply", name="保供").code == "supply"


def test_deactivation_respects_the_tree(admin, zone):
    child = new_category(admin, zone, parent=zone.general)
    with pytest.raises(DomainError) as exc:
        catalogue.set_category_active(actor=admin, category=zone.general, is_active=False)
    assert exc.value.field == "is_active"
    catalogue.set_category_active(actor=admin, category=child, is_active=False)
    catalogue.set_category_active(actor=admin, category=zone.general, is_active=False)
    with pytest.raises(DomainError) as exc:
        catalogue.set_category_active(actor=admin, category=child, is_active=True)
    assert exc.value.field == "parent"
    with pytest.raises(DomainError):
        new_category(admin, zone, code="UNDER-OFF", name="新", parent=zone.general)
    event = AuditEvent.objects.filter(action="servicedesk.category_updated").order_by("pk").last()
    assert event.changes == {"is_active": [True, False]}


def test_an_inactive_category_keeps_its_cases_but_takes_no_new_ones(admin, zone, frozen):
    case = services.register_case(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title="工人用餐",
        description="450 名工人用餐",
        requester_name="赵六",
    )
    catalogue.set_category_active(actor=admin, category=zone.general, is_active=False)
    assert Case.objects.get(pk=case.pk).category_id == zone.general.pk
    with pytest.raises(DomainError) as exc:
        services.register_case(
            actor=zone.desk,
            channel=Channel.WALK_IN,
            category=Category.objects.get(pk=zone.general.pk),
            title="再次",
            description="再次反映",
            requester_name="赵六",
        )
    assert exc.value.field == "category"


def test_delete_only_what_nothing_points_at(admin, zone, frozen):
    services.register_case(
        actor=zone.desk, channel=Channel.WALK_IN, category=zone.general, title="t", description="d", is_anonymous=True
    )
    parent = new_category(admin, zone, code="P", name="父")
    new_category(admin, zone, code="C", name="子", parent=parent)
    before = state()
    for category in (zone.general, parent):
        with pytest.raises(DomainError) as exc:
            catalogue.delete_category(actor=admin, category=category)
        assert "deactivate it instead" in exc.value.message
    assert state() == before
    catalogue.delete_category(actor=admin, category=zone.consultation)
    assert not Category.objects.filter(code="policy").exists()
    assert AuditEvent.objects.get(action="servicedesk.category_deleted").changes["code"] == ["policy", None]


def test_a_department_clerk_may_change_nothing(zone):
    before = state()
    clerk = zone.zjj_user
    attempts = [
        lambda: catalogue.create_category(actor=clerk, code="X", name="X", sla_rule=zone.general.sla_rule),
        lambda: catalogue.update_category(actor=clerk, category=zone.general, name="X"),
        lambda: catalogue.set_category_active(actor=clerk, category=zone.general, is_active=False),
        lambda: catalogue.delete_category(actor=clerk, category=zone.consultation),
        lambda: catalogue.create_sla_rule(actor=clerk, code="X", name="X"),
        lambda: catalogue.update_sla_rule(actor=clerk, rule=zone.general.sla_rule, name="X"),
        lambda: catalogue.create_hotline(actor=clerk, code="X", name="X", number="12345"),
        lambda: catalogue.update_hotline(actor=clerk, hotline=zone.hotline, name="X"),
        lambda: catalogue.delete_hotline(actor=clerk, hotline=zone.hotline),
        lambda: catalogue.remove_calendar_day(actor=clerk, day=dt.date(2022, 4, 6)),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert state() == before


# ---------------------------------------------------------------------------------------------- SLA rules


def test_create_sla_rule_and_audit(admin):
    rule = catalogue.create_sla_rule(
        actor=admin,
        code="complex",
        name="复杂类 (15个工作日)",
        resolve_working_days="15",
        urgent_resolve_working_days=Decimal("5"),
        emergency_resolve_minutes=240,
    )
    rule.refresh_from_db()
    assert (rule.sign_working_hours, rule.resolve_working_days, rule.emergency_resolve_minutes) == (
        Decimal("2.00"),
        Decimal("15.00"),
        240,
    )
    event = AuditEvent.objects.get(action="servicedesk.sla_rule_created")
    assert event.changes["resolve_working_days"] == [None, "15.00"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "general"}, "code"),
        ({"name": ""}, "name"),
        ({"sign_working_hours": 0}, "sign_working_hours"),
        ({"sign_working_hours": "-1"}, "sign_working_hours"),
        ({"sign_working_hours": "abc"}, "sign_working_hours"),
        ({"resolve_working_days": "1.234"}, "resolve_working_days"),
        ({"resolve_working_days": "1000"}, "resolve_working_days"),
        ({"resolve_working_days": "NaN"}, "resolve_working_days"),
        ({"urgent_sign_working_hours": 3}, "urgent_sign_working_hours"),  # longer than normal (2)
        ({"urgent_resolve_working_days": 6}, "urgent_resolve_working_days"),  # longer than normal (5)
        ({"emergency_sign_minutes": 0}, "emergency_sign_minutes"),
        ({"emergency_sign_minutes": True}, "emergency_sign_minutes"),
        ({"emergency_sign_minutes": "30"}, "emergency_sign_minutes"),
        ({"emergency_resolve_minutes": 24 * 60 + 1}, "emergency_resolve_minutes"),
        ({"emergency_sign_minutes": 180}, "emergency_sign_minutes"),  # longer than resolving (120)
        ({"sign_working_hours": 50, "resolve_working_days": 6}, "sign_working_hours"),  # 50 h > 6 × 8 h
    ],
)
def test_create_sla_rule_refuses_bad_limits_and_writes_nothing(admin, zone, overrides, field):
    before = state()
    with pytest.raises(DomainError) as exc:
        catalogue.create_sla_rule(actor=admin, **{"code": "new", "name": "新规则", **overrides})
    assert exc.value.field == field
    assert state() == before


def test_changing_a_rule_keeps_the_deadlines_of_cases_already_dispatched(admin, zone, frozen):
    def dispatched():
        case = services.register_case(
            actor=zone.desk,
            channel=Channel.WALK_IN,
            category=Category.objects.get(pk=zone.general.pk),
            title="后勤保供",
            description="工人用餐告急",
            requester_name="赵六",
        )
        return services.dispatch_case(actor=zone.desk, case=case, department=zone.zjj)

    # Monday 2022-04-11 09:30: 2 working hours to sign for, 5 working days (5 × 8 h) to resolve.
    old = dispatched()
    assert (old.sign_due_at, old.due_at) == (at(2022, 4, 11, 11, 30), at(2022, 4, 18, 9, 30))
    catalogue.update_sla_rule(
        actor=admin,
        rule=zone.general.sla_rule,
        sign_working_hours=1,
        resolve_working_days=1,
        urgent_resolve_working_days=1,
    )
    old.refresh_from_db()
    task = old.tasks.get()
    assert (old.sign_due_at, old.due_at, task.sign_due_at, task.due_at) == (
        at(2022, 4, 11, 11, 30),
        at(2022, 4, 18, 9, 30),
        at(2022, 4, 11, 11, 30),
        at(2022, 4, 18, 9, 30),
    )
    new = dispatched()
    assert (new.sign_due_at, new.due_at) == (at(2022, 4, 11, 10, 30), at(2022, 4, 12, 9, 30))
    event = AuditEvent.objects.get(action="servicedesk.sla_rule_updated")
    assert event.changes["resolve_working_days"] == ["5.00", "1.00"]


def test_emergency_limits_are_wall_clock_minutes(admin, zone, frozen):
    rule = catalogue.update_sla_rule(
        actor=admin, rule=zone.general.sla_rule, emergency_sign_minutes=15, emergency_resolve_minutes=90
    )
    case = services.register_case(
        actor=zone.desk,
        channel=Channel.GRID,
        category=Category.objects.get(pk=zone.general.pk),
        priority=Priority.EMERGENCY,
        title="心脏病患者就医",
        description="需紧急送医",
        requester_name="钱七",
    )
    case = services.dispatch_case(actor=zone.desk, case=case, department=zone.yjj)
    assert (rule.emergency_sign_minutes, case.sign_due_at, case.due_at) == (
        15,
        at(2022, 4, 11, 9, 45),
        at(2022, 4, 11, 11, 0),
    )


def test_delete_sla_rule_only_when_no_category_uses_it(admin, zone):
    spare = catalogue.create_sla_rule(actor=admin, code="spare", name="备用")
    before = state()
    with pytest.raises(DomainError) as exc:
        catalogue.delete_sla_rule(actor=admin, rule=zone.general.sla_rule)
    assert exc.value.field == "sla_rule"
    assert state() == before
    catalogue.delete_sla_rule(actor=admin, rule=spare)
    assert not SlaRule.objects.filter(code="spare").exists()
    assert AuditEvent.objects.filter(action="servicedesk.sla_rule_deleted").count() == 1


# ---------------------------------------------------------------------------------------------- hotlines


def test_create_and_update_hotline(admin):
    hotline = catalogue.create_hotline(
        actor=admin,
        code="SUPPLY",
        name="生活物资保供热线",
        number="0513-85999115",
        website="https://www.ntetdz.gov.cn/bg/",
    )
    assert AuditEvent.objects.get(action="servicedesk.hotline_created").changes["number"] == [None, "0513-85999115"]
    hotline = catalogue.update_hotline(actor=admin, hotline=hotline, number="0513-85999116", sort_order=5)
    assert (hotline.number, hotline.sort_order) == ("0513-85999116", 5)
    assert AuditEvent.objects.get(action="servicedesk.hotline_updated").changes == {
        "number": ["0513-85999115", "0513-85999116"],
        "sort_order": [0, 5],
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "12345"}, "code"),
        ({"name": ""}, "name"),
        ({"number": "call us"}, "number"),
        ({"number": "12"}, "number"),
        ({"website": "ftp://example.cn/"}, "website"),
        ({"website": "not a url"}, "website"),
        ({"number": "", "website": ""}, "number"),
        ({"sort_order": "first"}, "sort_order"),
    ],
)
def test_create_hotline_refuses_bad_input(admin, zone, overrides, field):
    before = state()
    with pytest.raises(DomainError) as exc:
        catalogue.create_hotline(actor=admin, **{"code": "NEW", "name": "新热线", "number": "12328", **overrides})
    assert exc.value.field == field
    assert state() == before


def test_hotline_in_use_is_deactivated_not_deleted(admin, zone, frozen):
    services.register_case(
        actor=zone.desk,
        channel=Channel.HOTLINE,
        hotline=zone.hotline,
        category=zone.general,
        title="t",
        description="d",
        is_anonymous=True,
    )
    before = state()
    with pytest.raises(DomainError) as exc:
        catalogue.delete_hotline(actor=admin, hotline=zone.hotline)
    assert exc.value.field == "hotline"
    assert state() == before
    catalogue.set_hotline_active(actor=admin, hotline=zone.hotline, is_active=False)
    with pytest.raises(DomainError) as exc:
        services.register_case(
            actor=zone.desk,
            channel=Channel.HOTLINE,
            hotline=HotlineCategory.objects.get(pk=zone.hotline.pk),
            category=zone.general,
            title="t",
            description="d",
            is_anonymous=True,
        )
    assert exc.value.field == "hotline"
    unused = catalogue.create_hotline(actor=admin, code="12328", name="12328 交通运输", number="12328")
    catalogue.delete_hotline(actor=admin, hotline=unused)
    assert not HotlineCategory.objects.filter(code="12328").exists()


# ---------------------------------------------------------------------------------------------- calendar


def test_remove_calendar_override_restores_the_national_calendar(admin, frozen):
    from zoneops.servicedesk import workdays

    services.set_calendar_day(actor=admin, day=dt.date(2022, 4, 6), is_workday=False, note="封控")
    assert workdays.is_workday(dt.date(2022, 4, 6)) is False
    catalogue.remove_calendar_day(actor=admin, day=dt.date(2022, 4, 6))
    assert workdays.is_workday(dt.date(2022, 4, 6)) is True
    event = AuditEvent.objects.filter(action="servicedesk.calendar_changed").order_by("pk").last()
    assert event.changes == {"date": "2022-04-06", "is_workday": [False, None]}
    before = state()
    with pytest.raises(DomainError) as exc:
        catalogue.remove_calendar_day(actor=admin, day=dt.date(2022, 4, 6))
    assert exc.value.field == "date"
    assert state() == before
