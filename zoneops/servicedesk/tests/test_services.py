"""Services: every transition, every illegal one, the timeline event and the audit row."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext

from zoneops.audit.models import AuditEvent
from zoneops.core.errors import Conflict, DomainError, InvalidTransition, OutOfScope, PermissionDenied
from zoneops.servicedesk import services
from zoneops.servicedesk.choices import CaseStatus, Channel, EventKind, Priority, SupervisionLevel, TaskRole, TaskStatus
from zoneops.servicedesk.models import Attachment, Case, CaseEvent, CaseTask, ExtensionRequest
from zoneops.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db


def register(zone, **kwargs):
    values = dict(
        actor=zone.desk,
        channel=Channel.HOTLINE,
        hotline=zone.hotline,
        category=zone.general,
        title="工地食品告急",
        description="小海十二期安置房 450 多名工人，肉、菜、副食品告急",
        requester_name="王建国",
        requester_mobile="13812345678",
    )
    values.update(kwargs)
    return services.register_case(**values)


def dispatched(zone, department=None, assisting=()):
    case = register(zone)
    return services.dispatch_case(actor=zone.desk, case=case, department=department or zone.zjj, assisting=assisting)


def audit_actions(case):
    return list(AuditEvent.objects.for_object(case).order_by("pk").values_list("action", flat=True))


def kinds(case):
    return list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))


def lead(case):
    return CaseTask.objects.get(case=case, role=TaskRole.LEAD, status__in=services.LIVE_TASKS)


def reload(case):
    return Case.objects.get(pk=case.pk)


# ---------------------------------------------------------------- intake


def test_register_numbers_cases_per_day_and_records_event_and_audit(zone, frozen):
    first = register(zone)
    second = register(zone, title="第二件")
    assert (first.number, second.number) == ("GD20220411-0001", "GD20220411-0002")
    assert first.status == CaseStatus.REGISTERED
    assert first.requester_mobile_masked == "138****5678"
    assert kinds(first) == [EventKind.REGISTERED]
    assert audit_actions(first) == ["servicedesk.case_registered"]
    frozen.move_to(at(2022, 4, 12, 8))
    assert register(zone).number == "GD20220412-0001"


def test_consultation_answered_at_intake_is_closed_as_first_contact_resolution(zone, frozen):
    case = register(zone, category=zone.consultation, answer="复工政策见开发区官网第 3 号通告")
    case = reload(case)
    assert case.status == CaseStatus.CLOSED
    assert case.first_contact_resolution is True
    assert case.closed_at == at(2022, 4, 11, 9, 30)
    assert kinds(case) == [EventKind.REGISTERED, EventKind.ANSWERED]
    assert audit_actions(case) == ["servicedesk.case_registered", "servicedesk.case_answered"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hotline": None}, "hotline"),
        ({"requester_name": "", "requester_mobile": ""}, "requester_name"),
        ({"requester_mobile": "12345"}, "requester_mobile"),
        ({"title": " "}, "title"),
        ({"description": "x" * 4001}, "description"),
        ({"priority": "huge"}, "priority"),
        ({"channel": "fax"}, "channel"),
        ({"answer": "直接答复"}, "answer"),
        ({"latitude": "91"}, "latitude"),
    ],
)
def test_register_rejects_bad_input_and_writes_nothing(zone, frozen, kwargs, field):
    with pytest.raises(DomainError) as error:
        register(zone, **kwargs)
    assert error.value.field == field
    assert Case.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_register_needs_intake_permission(zone, frozen):
    with pytest.raises(PermissionDenied):
        register(zone, actor=zone.scj_user)
    assert Case.objects.count() == 0


def test_anonymous_case_keeps_no_personal_data(zone, frozen):
    case = register(zone, is_anonymous=True, requester_name="某人", requester_mobile="13812345678")
    case = reload(case)
    assert (case.requester_name, case.requester_mobile, case.requester_display) == ("", "", gettext("Anonymous"))


# ---------------------------------------------------------------- dispatch


def test_dispatch_creates_lead_and_assisting_tasks_and_starts_the_clock(zone, frozen):
    case = dispatched(zone, assisting=[zone.scj])
    case = reload(case)
    assert case.status == CaseStatus.DISPATCHED
    assert case.department == zone.zjj
    assert case.dispatched_at == at(2022, 4, 11, 9, 30)
    assert case.sign_due_at == at(2022, 4, 11, 11, 30)  # 2 working hours
    assert case.due_at == at(2022, 4, 18, 9, 30)  # 5 working days = 40 working hours
    tasks = list(case.tasks.order_by("pk").values_list("department__code", "role", "status"))
    assert tasks == [("ZJJ", "lead", "pending"), ("SCJ", "assisting", "pending")]
    assert kinds(case) == [EventKind.REGISTERED, EventKind.DISPATCHED]
    assert audit_actions(case)[-1] == "servicedesk.case_dispatched"


def test_dispatch_twice_is_an_illegal_transition_and_changes_nothing(zone, frozen):
    case = dispatched(zone)
    with pytest.raises(InvalidTransition):
        services.dispatch_case(actor=zone.desk, case=reload(case), department=zone.scj)
    assert reload(case).department == zone.zjj
    assert CaseTask.objects.filter(case=case).count() == 1


def test_two_clerks_dispatching_at_once_exactly_one_wins(zone, frozen):
    case = register(zone)
    first, second = reload(case), reload(case)
    services.dispatch_case(actor=zone.desk, case=first, department=zone.zjj)
    with pytest.raises(Conflict):
        services.dispatch_case(actor=zone.desk, case=second, department=zone.scj)
    assert reload(case).department == zone.zjj
    assert list(CaseTask.objects.filter(case=case).values_list("department__code", flat=True)) == ["ZJJ"]
    assert kinds(case).count(EventKind.DISPATCHED) == 1


def test_dispatch_refuses_duplicate_departments(zone, frozen):
    case = register(zone)
    with pytest.raises(DomainError) as error:
        services.dispatch_case(actor=zone.desk, case=case, department=zone.zjj, assisting=[zone.zjj])
    assert error.value.field == "assisting"
    assert reload(case).status == CaseStatus.REGISTERED


def test_department_clerk_cannot_dispatch(zone, frozen):
    case = register(zone)
    with pytest.raises(PermissionDenied):
        services.dispatch_case(actor=zone.zjj_user, case=case, department=zone.zjj)
    assert reload(case).status == CaseStatus.REGISTERED


# ---------------------------------------------------------------- tasks


def test_sign_for_start_and_resolve_the_lead_task(zone, frozen):
    case = dispatched(zone)
    task = lead(case)
    services.accept_task(actor=zone.zjj_user, task=task, note="已签收")
    assert reload(case).status == CaseStatus.ACCEPTED
    assert reload(case).is_sign_overdue is False
    services.start_task(actor=zone.zjj_user, task=lead(case))
    assert reload(case).status == CaseStatus.IN_PROGRESS
    frozen.move_to(at(2022, 4, 12, 15))
    services.resolve_task(actor=zone.zjj_user, task=lead(case), resolution="已联系保供企业送达")
    case = reload(case)
    assert case.status == CaseStatus.RESOLVED
    assert case.resolved_at == at(2022, 4, 12, 15)
    assert case.is_overdue is False
    assert kinds(case)[-4:] == [EventKind.ACCEPTED, EventKind.STARTED, EventKind.TASK_RESOLVED, EventKind.RESOLVED]
    assert audit_actions(case)[-4:] == [
        "servicedesk.task_accepted",
        "servicedesk.task_started",
        "servicedesk.task_resolved",
        "servicedesk.case_resolved",
    ]


def test_late_sign_for_is_flagged(zone, frozen):
    case = dispatched(zone)
    frozen.move_to(at(2022, 4, 11, 12))
    services.accept_task(actor=zone.zjj_user, task=lead(case))
    assert reload(case).is_sign_overdue is True


def test_another_department_cannot_sign_for_the_task(zone, frozen):
    case = dispatched(zone)
    with pytest.raises(OutOfScope):
        services.accept_task(actor=zone.scj_user, task=lead(case))
    with pytest.raises(PermissionDenied):
        services.accept_task(actor=zone.outsider, task=lead(case))
    assert lead(case).status == TaskStatus.PENDING
    assert reload(case).status == CaseStatus.DISPATCHED


def test_lead_resolves_only_after_assisting_tasks(zone, frozen):
    case = dispatched(zone, assisting=[zone.scj])
    services.accept_task(actor=zone.zjj_user, task=lead(case))
    with pytest.raises(InvalidTransition):
        services.resolve_task(actor=zone.zjj_user, task=lead(case), resolution="完成")
    assert lead(case).status == TaskStatus.ACCEPTED
    assisting = CaseTask.objects.get(case=case, role=TaskRole.ASSISTING)
    services.accept_task(actor=zone.scj_user, task=assisting)
    assert reload(case).status == CaseStatus.ACCEPTED
    services.resolve_task(actor=zone.scj_user, task=assisting, resolution="协办完成")
    assert reload(case).status == CaseStatus.ACCEPTED
    services.resolve_task(actor=zone.zjj_user, task=lead(case), resolution="主办完成")
    assert reload(case).status == CaseStatus.RESOLVED


def test_resolving_a_pending_task_is_illegal(zone, frozen):
    case = dispatched(zone)
    with pytest.raises(InvalidTransition):
        services.resolve_task(actor=zone.zjj_user, task=lead(case), resolution="完成")
    assert reload(case).status == CaseStatus.DISPATCHED


def test_progress_note_on_a_handled_task(zone, frozen):
    case = dispatched(zone)
    with pytest.raises(InvalidTransition):
        services.note_progress(actor=zone.zjj_user, task=lead(case), note="联系中")
    services.accept_task(actor=zone.zjj_user, task=lead(case))
    services.note_progress(actor=zone.zjj_user, task=lead(case), note="联系中")
    assert kinds(case)[-1] == EventKind.PROGRESS


# ---------------------------------------------------------------- returns and arbitration


def test_return_redispatch_second_return_arbitration_binding(zone, frozen):
    case = dispatched(zone, department=zone.scj)
    with pytest.raises(DomainError) as error:
        services.return_task(actor=zone.scj_user, task=lead(case), reason="bogus", note="x")
    assert error.value.field == "reason"
    services.return_task(
        actor=zone.scj_user, task=CaseTask.objects.get(case=case), reason="not_our_duty", note="属住建局"
    )
    case = reload(case)
    assert (case.status, case.return_count) == (CaseStatus.RETURNED, 1)
    services.dispatch_case(actor=zone.desk, case=case, department=zone.yjj)
    case = reload(case)
    services.return_task(actor=zone.yjj_user, task=lead(case), reason="shared_duty", note="职能交叉")
    case = reload(case)
    assert (case.status, case.return_count) == (CaseStatus.ARBITRATION, 2)
    with pytest.raises(InvalidTransition):
        services.dispatch_case(actor=zone.desk, case=case, department=zone.zjj)
    services.arbitrate_case(actor=zone.desk, case=case, department=zone.zjj, note="审定：由住建局主办")
    case = reload(case)
    assert (case.status, case.department) == (CaseStatus.DISPATCHED, zone.zjj)
    task = lead(case)
    assert task.is_binding is True
    with pytest.raises(InvalidTransition):
        services.return_task(actor=zone.zjj_user, task=task, reason="not_our_duty", note="再退")
    assert lead(case).status == TaskStatus.PENDING
    assert "servicedesk.case_arbitrated" in audit_actions(case)
    assert kinds(case).count(EventKind.RETURNED) == 2


def test_arbitrate_only_in_arbitration(zone, frozen):
    case = register(zone)
    with pytest.raises(InvalidTransition):
        services.arbitrate_case(actor=zone.desk, case=case, department=zone.zjj, note="x")
    assert reload(case).status == CaseStatus.REGISTERED


# ---------------------------------------------------------------- extensions


def test_extension_before_deadline_approved_moves_the_deadline(zone, frozen):
    case = dispatched(zone)
    services.accept_task(actor=zone.zjj_user, task=lead(case))
    old_due = reload(case).due_at
    extension = services.request_extension(
        actor=zone.zjj_user, task=lead(case), working_days="2", reason="需协调供应商"
    )
    with pytest.raises(Conflict):
        services.request_extension(actor=zone.zjj_user, task=lead(case), working_days=1, reason="again")
    services.decide_extension(actor=zone.desk, extension=extension, approve=True, note="同意")
    case = reload(case)
    assert case.due_at == services.workdays.add_working_days(old_due, 2)
    assert lead(case).due_at == case.due_at
    extension.refresh_from_db()
    assert (extension.status, extension.new_due_at) == ("approved", case.due_at)
    with pytest.raises(InvalidTransition):
        services.decide_extension(actor=zone.desk, extension=extension, approve=False, note="改主意")
    assert audit_actions(case)[-2:] == ["servicedesk.extension_requested", "servicedesk.extension_decided"]


def test_extension_after_deadline_is_refused(zone, frozen):
    case = dispatched(zone)
    services.accept_task(actor=zone.zjj_user, task=lead(case))
    frozen.move_to(at(2022, 4, 30, 9))
    with pytest.raises(DomainError) as error:
        services.request_extension(actor=zone.zjj_user, task=lead(case), working_days=2, reason="晚了")
    assert error.value.field == "due_at"
    assert ExtensionRequest.objects.count() == 0


def test_refusing_an_extension_needs_a_note_and_keeps_the_deadline(zone, frozen):
    case = dispatched(zone)
    extension = services.request_extension(actor=zone.zjj_user, task=lead(case), working_days=1, reason="r")
    with pytest.raises(DomainError):
        services.decide_extension(actor=zone.desk, extension=extension, approve=False)
    due = reload(case).due_at
    services.decide_extension(actor=zone.desk, extension=extension, approve=False, note="理由不足")
    assert reload(case).due_at == due
    assert ExtensionRequest.objects.get().status == "refused"


def test_department_cannot_decide_its_own_extension(zone, frozen):
    case = dispatched(zone)
    extension = services.request_extension(actor=zone.zjj_user, task=lead(case), working_days=1, reason="r")
    with pytest.raises(PermissionDenied):
        services.decide_extension(actor=zone.zjj_user, extension=extension, approve=True)
    assert ExtensionRequest.objects.get().status == "pending"


# ---------------------------------------------------------------- suspension and supervision


def test_suspend_and_resume_move_the_deadline_by_the_paused_working_time(zone, frozen):
    case = dispatched(zone)
    due = reload(case).due_at
    frozen.move_to(at(2022, 4, 11, 10, 30))
    services.suspend_case(actor=zone.desk, case=reload(case), reason="等待企业补充材料")
    assert reload(case).status == CaseStatus.SUSPENDED
    with pytest.raises(InvalidTransition):
        services.accept_task(actor=zone.zjj_user, task=lead(case))
    frozen.move_to(at(2022, 4, 11, 13, 30))
    services.resume_case(actor=zone.desk, case=reload(case), note="材料已补")
    case = reload(case)
    assert case.status == CaseStatus.DISPATCHED
    assert case.due_at == services.workdays.add_working_hours(due, 3)
    assert lead(case).due_at == case.due_at
    with pytest.raises(InvalidTransition):
        services.resume_case(actor=zone.desk, case=case)


def test_supervise_raises_the_level_and_notifies_the_department(
    zone, frozen, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(services.notify, "send", lambda **kw: sent.append(kw))
    case = dispatched(zone, department=zone.scj)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.supervise_case(actor=zone.desk, case=reload(case), level=2, note="请加快办理")
    assert reload(case).supervision_level == SupervisionLevel.SUPERVISION
    assert sent == [{"channel": "sms", "to": "0513-1", "text": sent[0]["text"]}]
    assert case.number in sent[0]["text"]
    with pytest.raises(DomainError) as error:
        services.supervise_case(actor=zone.desk, case=reload(case), level=1, note="降级")
    assert error.value.field == "level"
    assert audit_actions(case).count("servicedesk.case_supervised") == 1


# ---------------------------------------------------------------- follow-up and close


def resolved(zone, frozen, **kwargs):
    case = dispatched(zone)
    services.accept_task(actor=zone.zjj_user, task=lead(case))
    services.resolve_task(actor=zone.zjj_user, task=lead(case), resolution="已送达")
    return reload(case)


def test_satisfied_follow_up_then_close(zone, frozen):
    case = resolved(zone, frozen)
    with pytest.raises(InvalidTransition):
        services.close_case(actor=zone.desk, case=case)
    services.follow_up_case(actor=zone.desk, case=case, satisfaction="satisfied", method="phone")
    case = reload(case)
    assert (case.status, case.satisfaction) == (CaseStatus.FOLLOWED_UP, "satisfied")
    services.close_case(actor=zone.desk, case=case, note="归档")
    case = reload(case)
    assert case.status == CaseStatus.CLOSED
    with pytest.raises(InvalidTransition):
        services.reopen_case(actor=zone.desk, case=case, note="x")
    assert kinds(case)[-2:] == [EventKind.FOLLOWED_UP, EventKind.CLOSED]


def test_unsatisfied_attributable_follow_up_sends_the_case_back(zone, frozen):
    case = resolved(zone, frozen)
    with pytest.raises(DomainError) as error:
        services.follow_up_case(actor=zone.desk, case=case, satisfaction="unsatisfied")
    assert error.value.field == "reason"
    frozen.move_to(at(2022, 4, 12, 10))
    services.follow_up_case(
        actor=zone.desk, case=case, satisfaction="unsatisfied", reason="菜品未送到", is_attributable=True
    )
    case = reload(case)
    assert (case.status, case.satisfaction) == (CaseStatus.IN_PROGRESS, "unsatisfied")
    assert lead(case).status == TaskStatus.IN_PROGRESS
    assert case.due_at == services.workdays.add_working_days(at(2022, 4, 12, 10), 5)
    assert kinds(case)[-1] == EventKind.REDONE


def test_unsatisfied_not_attributable_is_followed_up(zone, frozen):
    case = resolved(zone, frozen)
    services.follow_up_case(actor=zone.desk, case=case, satisfaction="unsatisfied", reason="政策不支持")
    assert reload(case).status == CaseStatus.FOLLOWED_UP


def test_reopen_a_followed_up_case(zone, frozen):
    case = resolved(zone, frozen)
    services.follow_up_case(actor=zone.desk, case=case, satisfaction="basically_satisfied")
    services.reopen_case(actor=zone.desk, case=reload(case), note="企业再次反映")
    assert reload(case).status == CaseStatus.IN_PROGRESS
    assert audit_actions(case)[-1] == "servicedesk.case_reopened"


def test_anonymous_resolved_case_closes_without_follow_up(zone, frozen):
    case = register(zone, is_anonymous=True)
    services.dispatch_case(actor=zone.desk, case=case, department=zone.zjj)
    services.accept_task(actor=zone.zjj_user, task=lead(case))
    services.resolve_task(actor=zone.zjj_user, task=lead(case), resolution="ok")
    services.close_case(actor=zone.desk, case=reload(case))
    assert reload(case).status == CaseStatus.CLOSED


def test_follow_up_on_an_open_case_is_illegal(zone, frozen):
    case = dispatched(zone)
    with pytest.raises(InvalidTransition):
        services.follow_up_case(actor=zone.desk, case=case, satisfaction="satisfied")
    assert reload(case).satisfaction == ""


# ---------------------------------------------------------------- personal data, attachments


def test_reveal_requester_is_audited_and_needs_the_permission(zone, frozen):
    from zoneops.accounts.tests.factories import grant

    case = register(zone)
    with pytest.raises(PermissionDenied):
        services.reveal_requester(actor=zone.desk, case=case)
    grant(zone.desk, "accounts.view_personal_data")
    assert services.reveal_requester(actor=zone.desk, case=case) == {"name": "王建国", "mobile": "13812345678"}
    assert audit_actions(case)[-1] == "accounts.personal_data_viewed"


def test_attachment_type_and_size_limits(zone, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = register(zone)
    with pytest.raises(DomainError):
        services.add_attachment(actor=zone.desk, case=case, upload=SimpleUploadedFile("run.exe", b"MZ"))
    big = SimpleUploadedFile("big.pdf", b"x")
    big.size = 11 * 1024 * 1024
    with pytest.raises(DomainError):
        services.add_attachment(actor=zone.desk, case=case, upload=big)
    assert Attachment.objects.count() == 0
    attachment = services.add_attachment(
        actor=zone.desk, case=case, upload=SimpleUploadedFile("photo.jpg", b"\xff\xd8")
    )
    assert (attachment.name, attachment.size) == ("photo.jpg", 2)


# ---------------------------------------------------------------- sweep


def test_sweep_warns_marks_overdue_escalates_and_is_idempotent(zone, frozen):
    case = dispatched(zone)  # due 2022-04-18 09:30 (5 working days from Monday 09:30)
    assert reload(case).due_at == at(2022, 4, 18, 9, 30)
    assert services.sweep_cases(now=at(2022, 4, 11, 10)) == {
        "warned": 0,
        "overdue": 0,
        "sign_overdue": 0,
        "escalated": 0,
    }
    assert services.sweep_cases(now=at(2022, 4, 11, 12)) == {
        "warned": 0,
        "overdue": 0,
        "sign_overdue": 1,
        "escalated": 0,
    }
    # 75% of 40 working hours = 30 h → Thursday 04-14 15:30.
    assert services.sweep_cases(now=at(2022, 4, 14, 15, 29))["warned"] == 0
    assert services.sweep_cases(now=at(2022, 4, 14, 15, 31))["warned"] == 1
    assert reload(case).supervision_level == SupervisionLevel.REMINDER
    assert services.sweep_cases(now=at(2022, 4, 18, 9, 31)) == {
        "warned": 0,
        "overdue": 1,
        "sign_overdue": 0,
        "escalated": 0,
    }
    case = reload(case)
    assert (case.is_overdue, case.supervision_level) == (True, SupervisionLevel.SUPERVISION)
    assert lead(case).is_overdue is True
    assert services.sweep_cases(now=at(2022, 4, 18, 9, 32)) == {
        "warned": 0,
        "overdue": 0,
        "sign_overdue": 0,
        "escalated": 0,
    }
    assert services.sweep_cases(now=at(2022, 4, 21, 10))["escalated"] == 1
    assert reload(case).supervision_level == SupervisionLevel.LEADER
    assert services.sweep_cases(now=at(2022, 4, 22, 10))["escalated"] == 0
    assert kinds(case).count(EventKind.OVERDUE) == 2  # sign-for and resolution


def test_emergency_case_uses_wall_clock_minutes(zone, frozen):
    case = register(zone, priority=Priority.EMERGENCY)
    services.dispatch_case(actor=zone.desk, case=case, department=zone.yjj)
    case = reload(case)
    assert (case.sign_due_at, case.due_at) == (at(2022, 4, 11, 10, 0), at(2022, 4, 11, 11, 30))
    assert Decimal(0) == Decimal(case.return_count)


# ---------------------------------------------------------------- duplicates and merge


def test_duplicate_hint_and_merge(zone, frozen):
    from zoneops.servicedesk import selectors

    first = register(zone)
    frozen.move_to(at(2022, 4, 13, 10))
    again = register(zone, title="工地食品告急，再次求助")
    other_topic = register(zone, title="路灯不亮", description="小区门口路灯坏了")
    frozen.move_to(at(2022, 4, 25, 10))
    late = register(zone)
    assert selectors.possible_duplicates(zone.desk, again) == [first]
    assert selectors.similarity("工地食品告急", "路灯不亮") == 0.0
    assert late not in selectors.possible_duplicates(zone.desk, first)
    assert other_topic not in selectors.possible_duplicates(zone.desk, first)
    services.merge_case(actor=zone.desk, case=again, into=first, note="同一诉求")
    again = reload(again)
    assert (again.status, again.merged_into) == (CaseStatus.CLOSED, first)
    assert kinds(first)[-1] == EventKind.MERGED
    assert audit_actions(again)[-1] == "servicedesk.case_merged"
    with pytest.raises(InvalidTransition):
        services.merge_case(actor=zone.desk, case=dispatched(zone), into=first)
    with pytest.raises(DomainError):
        services.merge_case(actor=zone.desk, case=late, into=late)
    assert reload(late).status == CaseStatus.REGISTERED
