"""Investment pages: lists, detail, forms, actions, statistics, weekly report, staff development, import."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from zoneops.accounts.models import DataScope
from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.investment import services
from zoneops.investment.choices import Stage
from zoneops.investment.models import Negotiation, Project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "dicts")]


@pytest.fixture
def project(owner, unit1):
    return services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="甲项目",
        investor="甲公司",
        industry="NGIT",
        currency="USD",
        is_foreign=True,
        total_investment="30000000",
        stage=Stage.SIGNED,
        signed_on=dt.date(2022, 4, 6),
    )


def test_list_shows_scope_filters_and_stale_flags(client, owner, project, unit1, other_unit_staff, unit2):
    services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=other_unit_staff,
        unit=unit2,
        name="乙项目",
        investor="乙",
        industry="NGIT",
        currency="CNY",
        total_investment="1",
    )
    Project.objects.filter(pk=project.pk).update(last_progress_at=dt.datetime(2022, 1, 1, tzinfo=dt.UTC))
    client.force_login(owner)

    page = client.get("/investment/projects/")
    stale = client.get("/investment/projects/", {"stale": "1"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "甲项目" in html and "乙项目" not in html
    assert "data-stale" in html
    assert "甲项目" in stale.content.decode()


def test_list_query_count_does_not_grow_with_rows(client, owner, unit1, django_assert_max_num_queries):
    for n in range(15):
        services.create_project(
            next_step="跟进洽谈",
            next_step_on=dt.date(2022, 4, 25),
            actor=owner,
            unit=unit1,
            name=f"项目{n}",
            investor="甲",
            industry="NGIT",
            currency="CNY",
            total_investment="1",
        )
    client.force_login(owner)
    client.get("/investment/projects/")  # warm caches (session, roles)

    with django_assert_max_num_queries(14):
        assert client.get("/investment/projects/").status_code == 200


def test_export_is_a_formatted_workbook_and_audited(client, owner, project):
    client.force_login(owner)

    response = client.get("/investment/projects/", {"export": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value  # title row, then 填报单位 / 填报人 / 日期
    assert owner.display_name in sheet["A2"].value and "2022-04-21" in sheet["A2"].value
    assert [sheet.cell(row=4, column=c).value for c in (1, 2, 6, 7, 8, 9)] == [
        "甲项目",
        "甲公司",
        "USD",
        30000000,
        6.35,
        1.9,
    ]
    assert AuditEvent.objects.filter(action="investment.projects_exported").count() == 1


def test_detail_scope(client, project, owner, other_unit_staff, unit1):
    url = f"/investment/projects/{project.pk}/"
    assert client.get(url).status_code == 302  # to sign-in
    client.force_login(UserFactory(department=unit1))
    assert client.get(url).status_code == 403
    client.force_login(other_unit_staff)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert "甲项目" in response.content.decode()


def test_create_form_shows_service_errors_and_writes_nothing(client, owner, unit1):
    client.force_login(owner)

    response = client.post(
        "/investment/projects/new/",
        {
            "name": "新项目",
            "investor": "新公司",
            "unit": str(unit1.pk),
            "industry": "NGIT",
            "source": "other",
            "construction_type": "new",
            "currency": "CNY",
            "total_investment": "-3",
            "stage": "lead",
        },
    )

    assert response.status_code == 200
    assert 'data-error="total_investment"' in response.content.decode()
    assert Project.objects.count() == 0


def test_create_form_creates(client, owner, unit1):
    client.force_login(owner)

    response = client.post(
        "/investment/projects/new/",
        {
            "name": "新项目",
            "investor": "新公司",
            "unit": str(unit1.pk),
            "industry": "NGIT",
            "source": "other",
            "construction_type": "new",
            "currency": "CNY",
            "total_investment": "100000000",
            "stage": "lead",
            "next_step": "安排首轮洽谈",
            "next_step_on": "2022-04-28",
        },
    )

    project = Project.objects.get()
    assert response.status_code == 302 and response.url == f"/investment/projects/{project.pk}/"


def test_edit_form(client, owner, project):
    client.force_login(owner)
    page = client.get(f"/investment/projects/{project.pk}/edit/")
    assert page.status_code == 200

    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update({"total_investment": "40000000", "is_foreign": "on", "signed_on": "2022-04-06"})
    data.pop("jobs", None)
    response = client.post(f"/investment/projects/{project.pk}/edit/", data)

    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    project.refresh_from_db()
    assert str(project.total_investment_cny) == "254000000.00"


def test_stage_action_and_illegal_jump(client, owner, unit1):
    lead = services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="线索",
        investor="x",
        industry="NGIT",
        currency="CNY",
        total_investment="1",
    )
    client.force_login(owner)

    client.post(
        f"/investment/projects/{lead.pk}/advance/", {"to": "signed", "signed_on": "2022-04-01", "contract_amount": "1"}
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD
    client.post(f"/investment/projects/{lead.pk}/advance/", {"to": "negotiating"})
    lead.refresh_from_db()
    assert lead.stage == Stage.NEGOTIATING


def test_verify_action_from_the_page(client, project, verifier, owner):
    client.force_login(owner)
    client.post(f"/investment/projects/{project.pk}/verify/", {"evidence": "合同"})
    project.refresh_from_db()
    assert not project.is_verified
    client.force_login(verifier)
    client.post(f"/investment/projects/{project.pk}/verify/", {"evidence": "合同"})
    project.refresh_from_db()
    assert project.is_verified


def test_negotiation_from_the_page_and_week_view(client, owner, project):
    client.force_login(owner)

    client.post(
        f"/investment/projects/{project.pk}/negotiations/",
        {
            "at": "2022-04-13T09:30",
            "channel": "video",
            "summary": "第一轮",
            "issues": ["land"],
        },
    )
    week = client.get("/investment/negotiations/week/", {"week": "2022-04-14"})

    assert Negotiation.objects.get().round_number == 1
    assert week.status_code == 200
    assert "甲项目" in week.content.decode()
    assert [d.isoformat() for d in week.context["days"]] == [
        "2022-04-11",
        "2022-04-12",
        "2022-04-13",
        "2022-04-14",
        "2022-04-15",
    ]


def test_statistics_page_links_every_number(client, owner, project):
    client.force_login(owner)

    response = client.get("/investment/statistics/", {"as_of": "2022-04-21"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/investment/projects/?ids={project.pk}" data-stat="count">1<' in html
    assert "截至4月21日,招商U1今年新签约1个项目" in html  # a unit's figures are not published as the zone's
    assert 'data-bucket="3000万美元以上外资项目">1<' in html


def test_statistics_excel_report(client, owner, project):
    client.force_login(owner)

    response = client.get("/investment/statistics/", {"as_of": "2022-04-21", "export": "xlsx"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "2022-01-01" in sheet["A1"].value and "2022-04-21" in sheet["A1"].value
    assert owner.display_name in sheet["A2"].value
    assert [sheet["B4"].value, sheet["C4"].value] == [1, 1.9]  # all signings
    assert [sheet["B5"].value, sheet["C5"].value] == [1, 1.9]  # of which foreign
    assert [sheet["B6"].value, sheet["C6"].value] == [0, 0]  # of which domestic
    assert [sheet["A8"].value, sheet["B8"].value] == ["3000万美元以上外资项目", 1]
    assert AuditEvent.objects.filter(action="investment.signing_report_exported").count() == 1


def test_weekly_report(client, owner, project):
    client.force_login(owner)

    response = client.get("/investment/weekly-report/", {"week": "2022-04-06"})

    assert response.status_code == 200
    assert [p.pk for p in response.context["signings"]] == [project.pk]


def test_staff_development_needs_its_permission_and_every_view_is_audited(client, owner, unit1):
    client.force_login(owner)
    assert client.get("/investment/staff/").status_code == 403
    org = UserFactory()
    grant(org, "investment.view_staff_development", "investment.add_staffnote", scope=DataScope.ALL)
    client.force_login(org)

    client.get("/investment/staff/")
    response = client.get("/investment/staff/")

    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="investment.staff_development_viewed").count() == 2
    assert "owner1" in [row["user"].username for row in response.context["rows"]]
    client.post("/investment/staff/", {"staff": owner.pk, "quality": "service", "note": "服务到位"})
    assert owner.investment_notes.get().note == "服务到位"


def _upload(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "项目名称*",
            "投资方*",
            "招商单元编码*",
            "产业编码*",
            "币种*",
            "总投资*",
            "外资",
            "阶段",
            "签约日期",
            "下一步",
            "下一步日期",
        ]
    )
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "projects.xlsx"
    return buffer


def test_import_is_all_or_nothing(client, owner, unit1):
    client.force_login(owner)
    good = ["A项目", "A公司", "U1", "NGIT", "CNY", "100000000", "否", "lead", None, "首轮洽谈", "2022-04-28"]
    bad = ["B项目", "B公司", "U1", "NGIT", "CNY", "-1", "否", "signed", None, "办理注册", "2022-04-28"]

    failed = client.post("/investment/projects/import/", {"file": _upload([good, bad])})

    assert failed.status_code == 200
    assert Project.objects.count() == 0
    errors = failed.context["row_errors"]
    assert len(errors) == 2  # both problems of row 3, none of row 2
    assert all("3" in e.split()[0] + e.split()[1] for e in errors)
    assert any("total_investment" in e for e in errors) and any("signed_on" in e for e in errors)

    ok = client.post("/investment/projects/import/", {"file": _upload([good])})
    assert ok.status_code == 302
    assert Project.objects.get().name == "A项目"


def test_home_card_renders(client, owner, project):
    client.force_login(owner)

    response = client.get("/")

    assert response.status_code == 200
    assert 'data-card="investment-unit"' in response.content.decode()


def test_menu_group(owner):
    from zoneops.core.menu import menu_for

    groups = {g["key"]: g for g in menu_for(owner)}
    assert [i["url_name"] for i in groups["investment"]["items"]] == [
        "investment:project-list",
        "investment:negotiation-week",
        "investment:signing-stats",
        "investment:weekly-report",
    ]


def test_fx_rate_page(client, owner, unit1):
    client.force_login(owner)
    assert client.get("/investment/fx-rates/").status_code == 403
    admin = UserFactory(department=unit1)
    grant(admin, "investment.manage_fx_rate", scope=DataScope.ALL)
    client.force_login(admin)

    bad = client.post("/investment/fx-rates/", {"currency": "USD", "rate_to_cny": "-2", "effective_on": "2022-03-01"})
    good = client.post(
        "/investment/fx-rates/", {"currency": "USD", "rate_to_cny": "6.37", "effective_on": "2022-03-01"}
    )

    assert 'data-error="rate_to_cny"' in bad.content.decode()
    assert good.status_code == 302
    assert "6.37" in client.get("/investment/fx-rates/").content.decode()


def test_training_page_records_attendees(client, owner, unit1):
    from zoneops.investment.models import TrainingSession

    organiser = UserFactory()
    grant(organiser, "investment.add_trainingsession", scope=DataScope.ALL)
    client.force_login(organiser)

    response = client.post(
        "/investment/trainings/new/",
        {
            "name": "砺剑班",
            "starts_on": "2022-04-19",
            "ends_on": "2022-04-20",
            "attendees": [str(owner.pk)],
        },
    )

    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert list(session.attendees.all()) == [owner]
    assert AuditEvent.objects.filter(action="investment.training_recorded").count() == 1


def test_weekly_report_by_unit(client, owner, project, unit1, unit2):
    client.force_login(owner)

    mine = client.get("/investment/weekly-report/", {"week": "2022-04-06", "unit": unit1.pk})
    other = client.get("/investment/weekly-report/", {"week": "2022-04-06", "unit": unit2.pk})

    assert [p.pk for p in mine.context["signings"]] == [project.pk]
    assert other.context["signings"] == []


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("advance", {"to": "registered"}),
        ("set-status", {"status": "stalled", "reason": "等待"}),
        ("verify", {"evidence": "合同"}),
    ],
)
def test_page_actions_scope_matrix(client, project, owner, other_unit_staff, unit1, action, data):
    url = f"/investment/projects/{project.pk}/{action}/"
    before = Project.objects.filter(pk=project.pk).values("stage", "status", "is_verified").get()
    events = AuditEvent.objects.count()

    assert client.post(url, data).status_code == 302 and "/accounts/login/" in client.post(url, data).url
    client.force_login(UserFactory(department=unit1))
    assert client.post(url, data).status_code == 403
    outsider = other_unit_staff
    grant(outsider, "investment.verify_project", scope=DataScope.DEPARTMENT)
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404

    assert Project.objects.filter(pk=project.pk).values("stage", "status", "is_verified").get() == before
    assert AuditEvent.objects.count() == events


def test_dictionaries_page(client, owner, unit1):
    client.force_login(owner)
    assert client.get("/investment/dictionaries/").status_code == 403
    admin = UserFactory(department=unit1)
    grant(admin, "investment.change_industry", "investment.change_thresholdbucket", scope=DataScope.ALL)
    client.force_login(admin)

    bad = client.post(
        "/investment/dictionaries/",
        {
            "form": "bucket",
            "label": "x",
            "amount": "-1",
            "currency": "CNY",
            "comparison": "gte",
            "applies_to": "all",
            "order": "1",
        },
    )
    good = client.post(
        "/investment/dictionaries/",
        {
            "form": "industry",
            "code": "MSRV",
            "name": "现代服务业",
            "is_leading": "on",
            "sort_order": "40",
            "is_active": "on",
        },
    )

    assert 'data-error="amount"' in bad.content.decode()
    assert good.status_code == 302
    assert 'data-industry="MSRV"' in client.get("/investment/dictionaries/").content.decode()


def test_attachments_minutes_and_evidence(client, owner, project, verifier, other_unit_staff, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zoneops.investment.models import ProjectAttachment

    settings.MEDIA_ROOT = tmp_path
    client.force_login(owner)
    client.post(
        f"/investment/projects/{project.pk}/attachments/",
        {"kind": "minutes", "file": SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 minutes")},
    )
    client.post(
        f"/investment/projects/{project.pk}/attachments/",
        {"kind": "evidence", "file": SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract")},
    )
    client.post(
        f"/investment/projects/{project.pk}/attachments/", {"kind": "other", "file": SimpleUploadedFile("x.exe", b"MZ")}
    )
    client.force_login(verifier)
    client.post(
        f"/investment/projects/{project.pk}/attachments/",
        {"kind": "evidence", "file": SimpleUploadedFile("登记.pdf", b"%PDF-1.4 reg")},
    )

    assert list(ProjectAttachment.objects.values_list("name", "kind")) == [
        ("纪要.pdf", "minutes"),
        ("登记.pdf", "evidence"),
    ]  # the owner may not attach evidence; .exe is refused
    minutes = ProjectAttachment.objects.get(kind="minutes")
    url = f"/investment/projects/{project.pk}/attachments/{minutes.pk}/"
    client.force_login(owner)
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 minutes"
    client.force_login(other_unit_staff)
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="investment.attachment_added").count() == 2


def test_detail_shows_issue_labels_and_readable_history(client, owner, project):
    from zoneops.investment.choices import Issue

    services.record_negotiation(
        actor=owner,
        project=project,
        at=dt.datetime(2022, 4, 19, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        summary="厂房代建",
        issues=["land", "approvals"],
    )
    client.force_login(owner)

    html = client.get(f"/investment/projects/{project.pk}/").content.decode()

    assert f">{Issue.LAND.label}</span>" in html and f">{Issue.APPROVALS.label}</span>" in html
    assert ">land</span>" not in html
    # The audit app's timeline: one row per changed field with its label, not a dump of the change dict.
    assert 'data-audit-action="investment.project_created"' in html
    assert "[None, " not in html


def test_weekly_report_excel_export_is_formatted_and_audited(client, owner, project):
    client.force_login(owner)

    response = client.get("/investment/weekly-report/", {"week": "2022-04-06", "export": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert "2022-04-04" in values[0][0] and "2022-04-10" in values[0][0]
    rows = [row for row in values if row[3] == "甲项目"]
    assert [row[0] for row in rows] == ["New lead", "Signing"]
    assert rows[1][4] == "USD 30,000,000.00 = 1.9 亿元"
    event = AuditEvent.objects.get(action="investment.weekly_report_exported")
    assert event.actor_username == "owner1" and event.note == "2022-04-04..2022-04-10"


def test_negotiation_week_excel_export(client, owner, project, other_unit_staff, unit2):
    theirs = services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=other_unit_staff,
        unit=unit2,
        name="乙项目",
        investor="乙",
        industry="NGIT",
        currency="CNY",
        total_investment="1",
        stage=Stage.NEGOTIATING,
    )
    tz = dt.timezone(dt.timedelta(hours=8))
    services.record_negotiation(
        actor=owner,
        project=project,
        at=dt.datetime(2022, 4, 18, 10, 0, tzinfo=tz),
        summary="视频洽谈",
        our_participants=[owner],
        issues=["land"],
        next_step="面谈",
        next_step_on=dt.date(2022, 4, 25),
    )
    services.record_negotiation(
        actor=other_unit_staff, project=theirs, at=dt.datetime(2022, 4, 19, 10, 0, tzinfo=tz), summary="别人的"
    )
    client.force_login(owner)

    response = client.get("/investment/negotiations/week/", {"week": "2022-04-20", "export": "xlsx"})

    assert response.status_code == 200
    values = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    rows = [row for row in values if row[2] in ("甲项目", "乙项目")]  # other units' rounds stay out of scope
    assert len(rows) == 1
    assert rows[0][0] == "2022-04-18 10:00" and rows[0][3] == 1 and rows[0][8] == "视频洽谈"
    assert rows[0][9] == "Land" and rows[0][10] == "面谈 2022-04-25"
    assert AuditEvent.objects.get(action="investment.negotiations_exported").note == "2022-04-18..2022-04-22 1"
