"""Sessions: idle and absolute timeouts, online-session list and forced sign-out, disable ends sessions,
own sessions on the profile page, and the login log page with its Excel export."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zoneops.accounts.models import LoginAttempt, UserSession
from zoneops.accounts.services import end_sessions
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant
from zoneops.audit.models import AuditEvent

PASSWORD = "Correct-horse-9"
TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def signed_in(username: str, **client_kwargs) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **client_kwargs)
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def security_admin(**kwargs):
    user = UserFactory(**kwargs)
    grant(user, "accounts.manage_sessions", "accounts.view_login_log")
    return user


# ---------------------------------------------------------------- timeouts


def test_idle_for_thirty_minutes_signs_out(frozen):
    UserFactory(username="idler")
    client = signed_in("idler")
    key = client.session.session_key
    frozen.shift(timedelta(minutes=29, seconds=59))
    assert client.get(reverse("accounts:profile")).status_code == 200
    frozen.shift(timedelta(minutes=30, seconds=1))
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=%2Faccounts%2Fme%2F"
    assert SESSION_KEY not in client.session
    row = UserSession.objects.get(session_key=key)
    assert row.end_reason == "timeout"
    assert row.ended_at == T0 + timedelta(minutes=60)
    # the sign-in page says why
    page = client.get(response["Location"]).content.decode()
    assert "Your session has ended; please sign in again." in page


def test_activity_keeps_the_session_alive(frozen):
    UserFactory(username="busy")
    client = signed_in("busy")
    for _ in range(4):
        frozen.shift(timedelta(minutes=25))
        assert client.get(reverse("accounts:profile")).status_code == 200


def test_absolute_lifetime_of_twelve_hours_even_when_active(frozen):
    UserFactory(username="marathon")
    client = signed_in("marathon")
    key = client.session.session_key
    for _ in range(28):  # 28 × 25 min = 11 h 40 min, always active
        frozen.shift(timedelta(minutes=25))
        assert client.get(reverse("accounts:profile")).status_code == 200
    frozen.shift(timedelta(minutes=20, seconds=1))  # 12 h 0 min 1 s after sign-in
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert UserSession.objects.get(session_key=key).end_reason == "timeout"
    assert AuditEvent.objects.filter(action="accounts.session_ended", note__startswith="timeout").count() == 1


def test_an_expired_session_gets_401_from_the_api(frozen):
    UserFactory(username="apiidle", is_staff=True)
    client = signed_in("apiidle")
    assert client.get("/api/v1/departments").status_code == 200
    frozen.shift(timedelta(minutes=31))
    response = client.get("/api/v1/departments")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


# ---------------------------------------------------------------- online sessions


def test_security_admin_sees_online_sessions_and_ends_one(frozen):
    admin = security_admin(username="secadmin")
    UserFactory(username="worker", full_name="王工")
    admin_client = signed_in("secadmin")
    worker_client = signed_in("worker", REMOTE_ADDR="10.5.5.5")
    worker_key = worker_client.session.session_key
    row = UserSession.objects.get(session_key=worker_key)
    # the list shows both sessions
    page = admin_client.get(reverse("accounts:session-list"))
    assert page.status_code == 200
    assert [s.user.username for s in page.context["listing"].rows] == ["worker", "secadmin"]
    assert "10.5.5.5" in page.content.decode()
    # ending the worker's session signs the worker out at once
    response = admin_client.post(reverse("accounts:session-end", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.ended_at, row.end_reason) == (T0, "ended_by_admin")
    assert not Session.objects.filter(session_key=worker_key).exists()
    assert worker_client.get(reverse("accounts:profile")).status_code == 302
    event = AuditEvent.objects.get(action="accounts.session_ended", actor=admin)
    assert event.object_id == str(row.user_id)
    # and it is gone from the list
    rows = admin_client.get(reverse("accounts:session-list")).context["listing"].rows
    assert [s.user.username for s in rows] == ["secadmin"]


def test_idle_sessions_are_not_listed_as_online(frozen):
    security_admin(username="secadmin2")
    UserFactory(username="gone")
    signed_in("gone")
    frozen.shift(timedelta(minutes=31))
    admin_client = signed_in("secadmin2")
    rows = admin_client.get(reverse("accounts:session-list")).context["listing"].rows
    assert [s.user.username for s in rows] == ["secadmin2"]


def test_session_list_and_end_need_the_permission(frozen):
    UserFactory(username="plain")
    UserFactory(username="target")
    plain = signed_in("plain")
    signed_in("target")
    row = UserSession.objects.get(user__username="target")
    assert plain.get(reverse("accounts:session-list")).status_code == 403
    assert plain.post(reverse("accounts:session-end", args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert row.ended_at is None
    anonymous = Client()
    assert anonymous.post(reverse("accounts:session-end", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert row.ended_at is None
    assert not AuditEvent.objects.filter(action="accounts.session_ended").exists()


def test_session_end_needs_post(frozen):
    security_admin(username="secadmin3")
    UserFactory(username="target3")
    admin_client = signed_in("secadmin3")
    signed_in("target3")
    row = UserSession.objects.get(user__username="target3")
    assert admin_client.get(reverse("accounts:session-end", args=[row.pk])).status_code == 405
    row.refresh_from_db()
    assert row.ended_at is None


def test_session_admin_of_one_department_cannot_end_others(frozen):
    bureau = DepartmentFactory()
    other = DepartmentFactory()
    admin = UserFactory(username="deptsec", department=bureau)
    grant(admin, "accounts.manage_sessions", scope="department")
    UserFactory(username="colleague", department=bureau)
    UserFactory(username="stranger", department=other)
    admin_client = signed_in("deptsec")
    signed_in("colleague")
    signed_in("stranger")
    rows = admin_client.get(reverse("accounts:session-list")).context["listing"].rows
    assert sorted(s.user.username for s in rows) == ["colleague", "deptsec"]
    stranger_row = UserSession.objects.get(user__username="stranger")
    assert admin_client.post(reverse("accounts:session-end", args=[stranger_row.pk])).status_code == 404
    stranger_row.refresh_from_db()
    assert stranger_row.ended_at is None


# ---------------------------------------------------------------- disable, password change


def test_disabling_an_account_ends_all_its_sessions(frozen):
    user = UserFactory(username="leaver")
    office, home = signed_in("leaver"), signed_in("leaver")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert end_sessions(actor=None, user=user, reason="disabled") == 2
    for browser in (office, home):
        assert browser.get(reverse("accounts:profile")).status_code == 302
    assert set(UserSession.objects.filter(user=user).values_list("end_reason", flat=True)) == {"disabled"}
    assert Session.objects.count() == 0
    assert AuditEvent.objects.filter(action="accounts.session_ended").count() == 2


def test_disable_user_service_signs_the_user_out_everywhere(frozen):
    from zoneops.accounts.org import disable_user

    manager = UserFactory(username="hr")
    grant(manager, "accounts.manage_user")
    UserFactory(username="leaver2")
    browser = signed_in("leaver2")
    leaver = UserSession.objects.get(user__username="leaver2").user
    disable_user(actor=manager, user=leaver)
    assert browser.get(reverse("accounts:profile")).status_code == 302
    assert UserSession.objects.get(user=leaver).end_reason == "disabled"


def test_session_of_a_disabled_user_made_without_the_sign_in_page_is_ended_too(frozen):
    # sessions the middleware registered (e.g. force_login) are ended like the others
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert UserSession.objects.filter(user=user, ended_at__isnull=True).count() == 1
    assert end_sessions(actor=None, user=user, reason="disabled") == 1
    assert client.get(reverse("accounts:profile")).status_code == 302


# ---------------------------------------------------------------- profile


def test_profile_lists_the_users_own_live_sessions_only(frozen):
    UserFactory(username="me1")
    UserFactory(username="someone")
    mine = signed_in("me1", REMOTE_ADDR="10.8.0.1")
    signed_in("me1", REMOTE_ADDR="10.8.0.2")
    signed_in("someone", REMOTE_ADDR="10.8.0.3")
    response = mine.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert sorted(s.ip for s in response.context["sessions"]) == ["10.8.0.1", "10.8.0.2"]
    html = response.content.decode()
    assert "10.8.0.3" not in html
    assert html.count("This session") == 1


# ---------------------------------------------------------------- login log


def _attempt(username, outcome, at, ip="10.0.0.1", user=None):
    return LoginAttempt.objects.create(username=username, user=user, ip=ip, outcome=outcome, at=at, channel="web")


def test_login_log_search_by_username_ip_outcome_and_date(frozen):
    admin = security_admin(username="auditor1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    day1 = datetime(2026, 3, 1, 8, 0, tzinfo=TZ)
    _attempt("liming", "success", day1, ip="10.0.0.1")
    _attempt("liming", "failure", day1 + timedelta(hours=1), ip="10.0.0.2")
    _attempt("hanmei", "failure", day1 + timedelta(days=-1), ip="10.0.0.2")
    _attempt("hanmei", "locked", day1 + timedelta(hours=2), ip="10.0.9.9")
    url = reverse("accounts:login-log")

    def usernames(**params):
        rows = client.get(url, params).context["listing"].rows
        return [(a.username, a.outcome) for a in rows]

    assert usernames(username="limi") == [("liming", "failure"), ("liming", "success")]
    assert usernames(ip="10.0.0.2") == [("liming", "failure"), ("hanmei", "failure")]
    assert usernames(outcome="locked") == [("hanmei", "locked")]
    assert usernames(date_from="2026-03-01", date_to="2026-03-01") == [
        ("hanmei", "locked"),
        ("liming", "failure"),
        ("liming", "success"),
    ]
    assert usernames(date_to="2026-02-28") == [("hanmei", "failure")]


def test_login_log_export_is_an_audited_excel_file_of_the_filtered_rows(frozen):
    admin = security_admin(username="auditor2")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    _attempt("liming", "success", datetime(2026, 3, 1, 8, 0, tzinfo=TZ), ip="10.0.0.1")
    _attempt("hanmei", "failure", datetime(2026, 3, 1, 9, 30, 15, tzinfo=TZ), ip="10.0.0.2")
    response = client.get(reverse("accounts:login-log"), {"username": "hanmei", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=1, column=1).value == "Login log"
    assert [c.value for c in sheet[3]][:6] == ["Time", "Username", "Full name", "IP address", "Channel", "Outcome"]
    assert [c.value for c in sheet[4]][:6] == [
        "2026-03-01 09:30:15",
        "hanmei",
        None,
        "10.0.0.2",
        "web",
        "Wrong credentials",
    ]
    assert sheet.max_row == 4
    event = AuditEvent.objects.get(action="accounts.login_log_exported")
    assert event.actor == admin
    assert event.changes == {"criteria": {"username": "hanmei"}, "rows": 1}


def test_login_log_needs_the_permission():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert client.get(reverse("accounts:login-log")).status_code == 403
    assert client.get(reverse("accounts:login-log"), {"export": "xlsx"}).status_code == 403
    assert not AuditEvent.objects.filter(action="accounts.login_log_exported").exists()
    assert Client().get(reverse("accounts:login-log")).status_code == 302


def test_login_log_of_a_department_scoped_reader_shows_its_users_only(frozen):
    bureau = DepartmentFactory()
    reader = UserFactory(department=bureau)
    grant(reader, "accounts.view_login_log", scope="department")
    colleague = UserFactory(username="colleague2", department=bureau)
    stranger = UserFactory(username="stranger2")
    _attempt("colleague2", "success", T0, user=colleague)
    _attempt("stranger2", "success", T0, user=stranger)
    _attempt("ghost", "failure", T0)
    client = Client()
    client.force_login(reader)
    rows = client.get(reverse("accounts:login-log")).context["listing"].rows
    assert [a.username for a in rows] == ["colleague2"]


# ---------------------------------------------------------------- list pages: htmx, page size, query count


def test_an_expired_htmx_request_gets_a_full_page_redirect(frozen):
    UserFactory(username="htmxidle")
    client = signed_in("htmxidle")
    frozen.shift(timedelta(minutes=31))
    response = client.get(reverse("accounts:profile"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("accounts:login")


def test_login_log_htmx_search_returns_the_table_fragment_with_a_matching_export_link(frozen):
    admin = security_admin(username="auditor3")
    _attempt("liming", "success", T0)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    response = client.get(reverse("accounts:login-log"), {"username": "liming"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-attempt="' in html
    assert 'href="?username=liming&amp;export=xlsx"' in html


def test_page_size_is_honoured(frozen):
    admin = security_admin(username="auditor4")
    for n in range(25):
        _attempt(f"user{n}", "failure", T0 - timedelta(minutes=n))
    client = Client()
    client.force_login(admin)
    listing = client.get(reverse("accounts:login-log"), {"page_size": 10, "page": 3}).context["listing"]
    assert (len(listing.rows), listing.paginator.num_pages) == (5, 3)
    assert [a.username for a in listing.rows] == [f"user{n}" for n in range(20, 25)]


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_list_pages_use_a_constant_number_of_queries(frozen):
    admin = security_admin(username="auditor5")
    client = Client()
    client.force_login(admin)
    client.get(reverse("accounts:profile"))  # register the session first
    users = [UserFactory() for _ in range(8)]
    for user in users[:2]:
        _attempt(user.username, "success", T0, user=user)
        Client().force_login(user)
    few = (_queries(client, reverse("accounts:login-log")), _queries(client, reverse("accounts:session-list")))
    for user in users[2:]:
        _attempt(user.username, "success", T0, user=user)
        other = Client()
        other.force_login(user)
        other.get(reverse("accounts:profile"))
    many = (_queries(client, reverse("accounts:login-log")), _queries(client, reverse("accounts:session-list")))
    assert many == few


def test_both_list_pages_offer_the_page_sizes(frozen):
    admin = security_admin(username="auditor6")
    client = Client()
    client.force_login(admin)
    for url in (reverse("accounts:login-log"), reverse("accounts:session-list")):
        html = client.get(url).content.decode()
        assert [size for size in (10, 20, 50, 100) if f'<option value="{size}"' in html] == [10, 20, 50, 100], url


def test_user_signs_out_their_other_sessions_from_the_profile(frozen):
    user = UserFactory(username="forgetful")
    here, office = signed_in("forgetful"), signed_in("forgetful")
    stranger = UserFactory(username="unrelated")
    theirs = signed_in("unrelated")
    assert "Sign out other sessions" in here.get(reverse("accounts:profile")).content.decode()
    response = here.post(reverse("accounts:session-end-others"))
    assert response.status_code == 302
    assert here.get(reverse("accounts:profile")).status_code == 200
    assert office.get(reverse("accounts:profile")).status_code == 302
    assert theirs.get(reverse("accounts:profile")).status_code == 200
    assert UserSession.objects.filter(user=user, end_reason="ended_by_user").count() == 1
    assert UserSession.objects.filter(user=stranger, ended_at__isnull=True).count() == 1
    assert here.get(reverse("accounts:session-end-others")).status_code == 405


def test_login_log_bad_criterion_shows_an_error_and_the_good_ones_still_filter(frozen):
    admin = security_admin(username="auditor7")
    _attempt("liming", "success", T0)
    _attempt("hanmei", "success", T0)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    response = client.get(reverse("accounts:login-log"), {"username": "liming", "date_from": "not-a-date"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert [a.username for a in response.context["listing"].rows] == ["liming"]


def test_login_log_hides_the_page_links_on_one_page_and_keeps_the_search_on_the_next(frozen):
    admin = security_admin(username="auditor7")
    for n in range(12):
        _attempt("liming", "failure", T0 - timedelta(minutes=n))
    _attempt("other", "failure", T0)
    client = Client()
    client.force_login(admin)

    one_page = client.get(reverse("accounts:login-log"), {"username": "liming"}).content.decode()
    paged = client.get(reverse("accounts:login-log"), {"username": "liming", "page_size": 10}).content.decode()

    assert "12 records" in one_page and 'class="pagination' not in one_page
    assert 'href="?username=liming&amp;page_size=10&page=2"' in paged
