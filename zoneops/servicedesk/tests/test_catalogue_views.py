"""Catalogue pages (403 for a department clerk), calendar overrides, the /servicedesk/ landing page and the home card."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk import services
from zoneops.servicedesk.choices import Channel
from zoneops.servicedesk.models import CaseTask, Category, HotlineCategory, SlaRule, WorkCalendarOverride
from zoneops.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db

MANAGER_PERMS = (perms.MANAGE_CATALOGUE, perms.MANAGE_SLA, perms.MANAGE_HOTLINES)


@pytest.fixture
def admin(zone):
    grant(zone.desk, *MANAGER_PERMS)
    return zone.desk


def make_case(zone, title="后勤保供", **kwargs):
    values = dict(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title=title,
        description="工人用餐告急",
        requester_name="赵六",
        requester_mobile="13712345678",
    )
    values.update(kwargs)
    return services.register_case(**values)


def catalogue_rows():
    return (
        list(Category.objects.order_by("pk").values()),
        list(SlaRule.objects.order_by("pk").values()),
        list(HotlineCategory.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


# ---------------------------------------------------------------------------------------------- permissions


def test_a_department_clerk_gets_403_on_every_catalogue_page_and_changes_nothing(client, zone):
    client.force_login(zone.zjj_user)
    rule = zone.general.sla_rule
    pages = [
        "/servicedesk/catalogue/categories/",
        "/servicedesk/catalogue/categories/new/",
        "/servicedesk/catalogue/categories/supply/edit/",
        "/servicedesk/catalogue/sla-rules/",
        "/servicedesk/catalogue/sla-rules/new/",
        f"/servicedesk/catalogue/sla-rules/{rule.pk}/edit/",
        "/servicedesk/catalogue/hotlines/",
        "/servicedesk/catalogue/hotlines/new/",
        "/servicedesk/catalogue/hotlines/12345/edit/",
    ]
    for url in pages:
        assert client.get(url).status_code == 403, url
    before = catalogue_rows()
    posts = [
        ("/servicedesk/catalogue/categories/new/", {"code": "X", "name": "X", "sla_rule": "general", "sort_order": 0}),
        ("/servicedesk/catalogue/categories/supply/edit/", {"name": "X", "sla_rule": "general", "sort_order": 0}),
        ("/servicedesk/catalogue/categories/supply/toggle/", {}),
        ("/servicedesk/catalogue/categories/policy/delete/", {}),
        (f"/servicedesk/catalogue/sla-rules/{rule.pk}/edit/", {"name": "X"}),
        ("/servicedesk/catalogue/hotlines/12345/toggle/", {}),
        ("/servicedesk/catalogue/hotlines/12345/delete/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert catalogue_rows() == before
    html = client.get("/").content.decode()
    assert 'data-menu="servicedesk:category-list"' not in html


def test_anonymous_users_are_sent_to_sign_in(client, zone):
    response = client.get("/servicedesk/catalogue/categories/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_menu_shows_the_catalogue_pages_to_their_managers(client, zone, admin):
    client.force_login(admin)
    html = client.get("/").content.decode()
    for name in ("servicedesk:category-list", "servicedesk:sla-rule-list", "servicedesk:hotline-list"):
        assert f'data-menu="{name}"' in html


def test_demo_roles_give_the_catalogue_to_the_desk_only(db):
    from zoneops.accounts.demo import ROLES, role_permissions

    def codes(role_code):
        spec = next(s for s in ROLES if s.code == role_code)
        return {f"{p.content_type.app_label}.{p.codename}" for p in role_permissions(spec, lambda _: None)}

    assert set(MANAGER_PERMS) <= codes("service_desk")
    for role_code in ("department_staff", "market_supervision", "grid_worker", "zone_leader"):
        assert not set(MANAGER_PERMS) & codes(role_code), role_code


# ---------------------------------------------------------------------------------------------- categories


def test_category_list_shows_the_tree(client, zone, admin):
    from zoneops.servicedesk import catalogue

    catalogue.create_category(
        actor=admin, code="EPI-TEST", name="核酸登门检测", sla_rule=zone.general.sla_rule, parent=zone.general
    )
    client.force_login(admin)
    html = client.get("/servicedesk/catalogue/categories/").content.decode()
    assert (
        html.index('data-category="policy"')
        < html.index('data-category="supply"')
        < html.index('data-category="EPI-TEST"')
    )
    assert 'class="zo-indent-1"' in html
    html = client.get("/servicedesk/catalogue/categories/", {"q": "核酸"}).content.decode()
    assert 'data-category="EPI-TEST"' in html and 'data-category="supply"' not in html


def test_create_and_edit_a_category_through_the_form(client, zone, admin):
    client.force_login(admin)
    form = client.get("/servicedesk/catalogue/categories/new/", {"parent": "supply"})
    assert form.status_code == 200
    response = client.post(
        "/servicedesk/catalogue/categories/new/",
        {
            "code": "EPI-TEST",
            "name": "核酸登门检测",
            "parent": "supply",
            "default_department": "YJJ",
            "sla_rule": "general",
            "sort_order": "3",
            "is_active": "on",
            "extra_fields": '[{"code": "people", "label": "需检测人数", "type": "int"}]',
        },
    )
    assert response.status_code == 302
    category = Category.objects.get(code="EPI-TEST")
    assert (category.parent, category.default_department, category.sort_order, category.is_active) == (
        zone.general,
        zone.yjj,
        3,
        True,
    )
    edit = client.get("/servicedesk/catalogue/categories/EPI-TEST/edit/").content.decode()
    assert "需检测人数" in edit and "disabled" in edit
    response = client.post(
        "/servicedesk/catalogue/categories/EPI-TEST/edit/",
        {
            "code": "IGNORED",
            "name": "上门核酸",
            "parent": "supply",
            "sla_rule": "consultation",
            "sort_order": "3",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.code, category.name, category.sla_rule.code, category.default_department) == (
        "EPI-TEST",
        "上门核酸",
        "consultation",
        None,
    )


def test_form_errors_show_on_the_field_and_change_nothing(client, zone, admin):
    from zoneops.servicedesk import catalogue

    catalogue.create_category(actor=admin, code="child", name="子", sla_rule=zone.general.sla_rule, parent=zone.general)
    client.force_login(admin)
    before = catalogue_rows()
    response = client.post(
        "/servicedesk/catalogue/categories/supply/edit/",
        {"name": "后勤保供", "parent": "child", "sla_rule": "general", "sort_order": "0", "is_active": "on"},
    )
    assert response.status_code == 200
    assert 'data-error-for="parent"' in response.content.decode()
    response = client.post(
        "/servicedesk/catalogue/categories/new/",
        {"code": "X", "name": "X", "sla_rule": "general", "sort_order": "0", "extra_fields": "[{"},
    )
    assert 'data-error-for="extra_fields"' in response.content.decode()
    assert catalogue_rows() == before


def test_toggle_and_delete_from_the_list(client, zone, admin, frozen):
    make_case(zone)
    client.force_login(admin)
    response = client.post("/servicedesk/catalogue/categories/supply/toggle/")
    assert response.status_code == 302
    assert Category.objects.get(code="supply").is_active is False
    response = client.post("/servicedesk/catalogue/categories/supply/delete/", follow=True)
    assert "deactivate it instead" in response.content.decode()
    assert Category.objects.filter(code="supply").exists()
    client.post("/servicedesk/catalogue/categories/policy/delete/")
    assert not Category.objects.filter(code="policy").exists()
    assert client.get("/servicedesk/catalogue/categories/supply/toggle/").status_code == 405


# ---------------------------------------------------------------------------------------------- SLA rules and hotlines


def test_sla_rule_form_says_dispatched_deadlines_do_not_move(client, zone, admin, frozen):
    case = services.dispatch_case(actor=zone.desk, case=make_case(zone), department=zone.zjj)
    due = case.due_at
    client.force_login(admin)
    rule = zone.general.sla_rule
    page = client.get(f"/servicedesk/catalogue/sla-rules/{rule.pk}/edit/").content.decode()
    assert "does not move the deadlines of cases already dispatched" in page
    assert (
        "does not move the deadlines of cases already dispatched"
        in client.get("/servicedesk/catalogue/sla-rules/").content.decode()
    )
    data = {
        "name": "一般",
        "sign_working_hours": "1",
        "resolve_working_days": "1",
        "urgent_sign_working_hours": "1",
        "urgent_resolve_working_days": "1",
        "emergency_sign_minutes": "30",
        "emergency_resolve_minutes": "120",
    }
    assert client.post(f"/servicedesk/catalogue/sla-rules/{rule.pk}/edit/", data).status_code == 302
    rule.refresh_from_db()
    case.refresh_from_db()
    assert (rule.resolve_working_days, case.due_at) == (1, due)
    response = client.post(
        f"/servicedesk/catalogue/sla-rules/{rule.pk}/edit/", {**data, "emergency_sign_minutes": "2000"}
    )
    assert 'data-error-for="emergency_sign_minutes"' in response.content.decode()


def test_create_a_sla_rule_and_a_hotline(client, zone, admin):
    client.force_login(admin)
    response = client.post(
        "/servicedesk/catalogue/sla-rules/new/",
        {
            "code": "complex",
            "name": "复杂类",
            "sign_working_hours": "2",
            "resolve_working_days": "15",
            "urgent_sign_working_hours": "1",
            "urgent_resolve_working_days": "5",
            "emergency_sign_minutes": "30",
            "emergency_resolve_minutes": "120",
        },
    )
    assert response.status_code == 302
    assert SlaRule.objects.get(code="complex").resolve_working_days == 15
    html = client.get("/servicedesk/catalogue/sla-rules/").content.decode()
    assert 'data-sla-rule="complex"' in html
    response = client.post(
        "/servicedesk/catalogue/hotlines/new/",
        {
            "code": "12328",
            "name": "12328 交通运输服务热线",
            "number": "12328",
            "website": "",
            "sort_order": "11",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    html = client.get("/servicedesk/catalogue/hotlines/").content.decode()
    assert 'data-hotline="12328"' in html
    client.post("/servicedesk/catalogue/hotlines/12328/toggle/")
    assert HotlineCategory.objects.get(code="12328").is_active is False
    response = client.post(
        "/servicedesk/catalogue/hotlines/12345/edit/", {"name": "12345", "number": "", "website": "", "sort_order": "0"}
    )
    assert 'data-error-for="number"' in response.content.decode()


# ---------------------------------------------------------------------------------------------- calendar


def test_calendar_page_removes_an_override(client, zone, frozen):
    grant(zone.desk, perms.CHANGE_CALENDAR)
    client.force_login(zone.desk)
    response = client.post("/servicedesk/calendar/", {"date": "2022-05-06", "is_workday": "0", "note": "封控"})
    assert response["Location"].endswith("?month=2022-05")
    html = client.get("/servicedesk/calendar/", {"month": "2022-05"}).content.decode()
    assert 'data-override="2022-05-06"' in html
    response = client.post("/servicedesk/calendar/remove/", {"date": "2022-05-06"})
    assert response.status_code == 302
    assert not WorkCalendarOverride.objects.filter(date=dt.date(2022, 5, 6)).exists()
    assert AuditEvent.objects.filter(action="servicedesk.calendar_changed").count() == 2
    assert client.get("/servicedesk/calendar/", {"month": "9999-12"}).status_code == 200
    client.force_login(zone.zjj_user)
    assert client.post("/servicedesk/calendar/remove/", {"date": "2022-05-06"}).status_code == 404


# ---------------------------------------------------------------------------------------------- landing page


def test_landing_sends_the_desk_to_the_cases_to_dispatch(client, zone, frozen):
    client.force_login(zone.desk)
    assert client.get("/servicedesk/")["Location"] == "/servicedesk/cases/"
    make_case(zone)
    assert client.get("/servicedesk/")["Location"] == "/servicedesk/cases/?queue=to_dispatch"


def test_landing_sends_a_department_to_its_tasks_to_sign_for(client, zone, frozen):
    services.dispatch_case(actor=zone.desk, case=make_case(zone), department=zone.zjj)
    client.force_login(zone.zjj_user)
    assert client.get("/servicedesk/")["Location"] == "/servicedesk/cases/?queue=to_sign"
    client.force_login(zone.scj_user)
    assert client.get("/servicedesk/")["Location"] == "/servicedesk/cases/"
    response = client.get("/servicedesk/", follow=True)
    assert response.status_code == 200


def test_landing_for_users_without_cases(client, zone):
    client.force_login(zone.outsider)
    assert client.get("/servicedesk/").status_code == 403
    manager = UserFactory()
    grant(manager, perms.MANAGE_CATALOGUE)
    client.force_login(manager)
    assert client.get("/servicedesk/")["Location"] == "/servicedesk/catalogue/categories/"
    client.logout()
    assert "/login" in client.get("/servicedesk/")["Location"]


def test_landing_url_is_none_for_anonymous(zone):
    from zoneops.servicedesk.home import landing_url

    assert landing_url(AnonymousUser()) is None


# ---------------------------------------------------------------------------------------------- home card


def test_home_card_shows_the_department_queues_and_this_month_kpis(client, zone, frozen):
    on_time = services.dispatch_case(actor=zone.desk, case=make_case(zone, title="准时"), department=zone.zjj)
    returned = services.dispatch_case(actor=zone.desk, case=make_case(zone, title="退回"), department=zone.zjj)
    services.dispatch_case(actor=zone.desk, case=make_case(zone, title="他局"), department=zone.scj)
    services.accept_task(actor=zone.zjj_user, task=CaseTask.objects.get(case=on_time))
    services.return_task(actor=zone.zjj_user, task=CaseTask.objects.get(case=returned), reason="not_local", note="x")
    frozen.move_to(at(2022, 4, 11, 10, 0))
    client.force_login(zone.zjj_user)
    response = client.get("/")
    html = response.content.decode().replace("&amp;", "&")
    card = next(c for c in response.context["cards"] if c["key"] == "servicedesk-queues")["context"]
    assert [q["key"] for q in card["queues"]] == ["to_sign", "in_progress", "due_soon", "overdue"]
    kpis = card["kpis"]
    assert kpis["department"] == zone.zjj
    assert (kpis["period"].start, kpis["period"].end) == (dt.date(2022, 4, 1), dt.date(2022, 4, 11))
    figures = {f["key"]: f for f in kpis["figures"]}
    assert figures["sign_on_time_rate"]["value"] == 100.0
    assert figures["return_rate"]["value"] == 50.0
    assert figures["overdue_count"]["value"] == 0
    assert figures["resolve_on_time_rate"]["value"] is None
    assert figures["satisfaction_rate"]["value"] is None
    assert 'data-kpi-scope="ZJJ"' in html
    assert 'data-kpi="return_rate" title="1 / 2">50.0%<' in html
    link = figures["return_rate"]["link"]
    assert link == "/servicedesk/cases/?kpi=returned&kpi_department=ZJJ&from=2022-04-01&to=2022-04-11"
    assert f'href="{link}"' in html
    listed = client.get(link).content.decode()
    assert returned.number in listed and on_time.number not in listed
    signed = client.get(figures["sign_on_time_rate"]["link"]).content.decode()
    assert on_time.number in signed and returned.number not in signed


def test_home_card_shows_zone_kpis_to_kpi_readers_without_tasks(client, zone, frozen):
    services.dispatch_case(actor=zone.desk, case=make_case(zone), department=zone.zjj)
    client.force_login(zone.desk)
    html = client.get("/").content.decode().replace("&amp;", "&")
    assert 'data-kpi-scope="zone"' in html
    assert 'data-queue-count="to_dispatch">0<' in html
    assert 'data-queue-count="to_sign"' not in html
    assert 'href="/servicedesk/cases/?kpi=overdue&from=2022-04-01&to=2022-04-11" data-kpi="overdue_count"' in html
    assert 'href="/servicedesk/kpi/"' in html


def test_home_card_without_kpis_for_case_readers_without_a_kpi_role(client, zone, frozen):
    reader = UserFactory(department=None)
    grant(reader, perms.VIEW_CASE)
    client.force_login(reader)
    html = client.get("/").content.decode()
    assert 'data-queue-count="in_progress"' in html
    assert "data-kpi-scope" not in html
