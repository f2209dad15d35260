"""In-app notifications of the service desk: the handling department's handlers (and head), nobody else."""

import pytest

from zoneops.accounts.models import Post
from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.core.errors import DomainError
from zoneops.core.models import Notification
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk import services
from zoneops.servicedesk.choices import Channel
from zoneops.servicedesk.models import Case
from zoneops.servicedesk.tests.factories import at, department_user

pytestmark = pytest.mark.django_db


def dispatched(zone, department):
    case = services.register_case(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title="工地食品告急",
        description="小海十二期安置房工人肉、菜告急",
        requester_name="王建国",
    )
    return services.dispatch_case(actor=zone.desk, case=case, department=department)


def recipients(kind, case):
    rows = Notification.objects.filter(kind=kind, target_id=str(case.pk))
    return sorted(rows.values_list("recipient__username", flat=True))


@pytest.fixture
def people(zone):
    """Around the ZJJ bureau: a second handler, its head (without the handling permission), a deputy with a head-like
    title who is not the head, a viewer, a seconded handler."""
    zone.zjj_user.username = "zjj-clerk"
    zone.zjj_user.save(update_fields=["username"])
    other = department_user(zone.zjj)
    other.username = "zjj-clerk2"
    other.save(update_fields=["username"])
    head = UserFactory(username="zjj-head", department=zone.zjj, title="住建局局长")
    grant(head, perms.VIEW_CASE)
    zone.zjj.head = head
    zone.zjj.save(update_fields=["head"])
    deputy = UserFactory(username="zjj-deputy", department=zone.zjj, title="住建局副局长")
    grant(deputy, perms.VIEW_CASE)
    viewer = UserFactory(username="zjj-viewer", department=zone.zjj, title="科员")
    grant(viewer, perms.VIEW_CASE)
    seconded = UserFactory(username="seconded", department=zone.yjj)
    grant(seconded, perms.VIEW_CASE, perms.HANDLE_TASK)
    Post.objects.create(user=seconded, department=zone.zjj, title="专班成员")
    retired = department_user(zone.zjj)
    retired.username, retired.is_active = "zjj-retired", False
    retired.save(update_fields=["username", "is_active"])
    zone.scj_user.username = "scj-clerk"
    zone.scj_user.save(update_fields=["username"])
    return zone


def test_dispatch_notifies_the_handlers_of_the_department_with_a_link(people, frozen):
    case = dispatched(people, people.zjj)
    assert recipients("servicedesk.case_dispatched", case) == ["seconded", "zjj-clerk", "zjj-clerk2"]
    row = Notification.objects.filter(kind="servicedesk.case_dispatched").first()
    assert row.link == f"/servicedesk/cases/{case.number}/"
    assert row.title == f"New case {case.number}: 工地食品告急"
    assert row.target_type.model_class() is Case


def test_supervise_notifies_the_handlers_and_the_head_only(people, frozen):
    case = dispatched(people, people.zjj)
    services.supervise_case(actor=people.desk, case=Case.objects.get(pk=case.pk), level=2, note="请加快办理")
    assert recipients("servicedesk.case_supervised", case) == ["seconded", "zjj-clerk", "zjj-clerk2", "zjj-head"]
    row = Notification.objects.get(kind="servicedesk.case_supervised", recipient__username="zjj-head")
    assert "请加快办理" in row.title and row.link == f"/servicedesk/cases/{case.number}/"
    # Nothing for the deputy (a head-like title does not make a head), the other bureaus, the desk or the outsider.
    assert not Notification.objects.filter(
        recipient__in=[people.scj_user, people.yjj_user, people.desk, people.outsider]
    ).exists()
    assert not Notification.objects.filter(recipient__username="zjj-deputy").exists()


def test_the_head_gets_no_dispatch_notice_and_a_disabled_head_no_supervision_notice(people, frozen):
    case = dispatched(people, people.zjj)
    assert not Notification.objects.filter(recipient__username="zjj-head").exists()
    people.zjj.head.is_active = False
    people.zjj.head.save(update_fields=["is_active"])
    services.supervise_case(actor=people.desk, case=Case.objects.get(pk=case.pk), level=2, note="请加快办理")
    assert recipients("servicedesk.case_supervised", case) == ["seconded", "zjj-clerk", "zjj-clerk2"]


def test_a_department_without_a_head_notifies_only_its_handlers_of_supervision(people, frozen):
    people.zjj.head = None
    people.zjj.save(update_fields=["head"])
    case = dispatched(people, people.zjj)
    services.supervise_case(actor=people.desk, case=Case.objects.get(pk=case.pk), level=2, note="请加快办理")
    assert recipients("servicedesk.case_supervised", case) == ["seconded", "zjj-clerk", "zjj-clerk2"]


def test_sweep_warning_and_overdue_notify_each_cases_own_department(people, frozen):
    zjj_case = dispatched(people, people.zjj)
    scj_case = dispatched(people, people.scj)
    Notification.objects.all().delete()
    services.sweep_cases(now=at(2022, 4, 11, 12))  # not signed for in time
    assert recipients("servicedesk.case_sign_overdue", zjj_case) == ["seconded", "zjj-clerk", "zjj-clerk2"]
    assert recipients("servicedesk.case_sign_overdue", scj_case) == ["scj-clerk"]
    services.sweep_cases(now=at(2022, 4, 14, 15, 31))  # 75% of the time used: a reminder
    warned = recipients("servicedesk.case_supervised", zjj_case)
    assert warned == ["seconded", "zjj-clerk", "zjj-clerk2", "zjj-head"]
    assert recipients("servicedesk.case_supervised", scj_case) == ["scj-clerk"]
    services.sweep_cases(now=at(2022, 4, 18, 9, 31))  # overdue: supervision
    assert Notification.objects.filter(kind="servicedesk.case_supervised", target_id=str(zjj_case.pk)).count() == 8
    assert not Notification.objects.filter(
        recipient__username__in=["zjj-deputy", "zjj-viewer", "zjj-retired", "outsider"]
    ).exists()
    # Running the sweep again notifies nobody again.
    before = Notification.objects.count()
    services.sweep_cases(now=at(2022, 4, 18, 9, 32))
    assert Notification.objects.count() == before


def test_a_refused_supervision_notifies_nobody(people, frozen):
    case = dispatched(people, people.zjj)
    Notification.objects.all().delete()
    with pytest.raises(DomainError) as error:
        services.supervise_case(actor=people.desk, case=Case.objects.get(pk=case.pk), level=2, note="")
    assert error.value.field == "note"
    assert Notification.objects.count() == 0
