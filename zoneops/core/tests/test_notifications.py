"""In-app notifications: storing (notify_users), my selectors, mark read (audited), API, pages and the bell."""

import datetime as dt
import json

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils import timezone

from zoneops.accounts.models import ApiToken, Department
from zoneops.accounts.tests.factories import UserFactory
from zoneops.accounts.tokens import new_raw_token, token_digest
from zoneops.audit.models import AuditEvent
from zoneops.core import notify, selectors, services
from zoneops.core.errors import OutOfScope, PermissionDenied
from zoneops.core.models import Notification

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2022, 4, 11, 9, 30))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


def store(users, title="Case GD20220411-0001 supervised", **kwargs):
    return notify.notify_users(users, kind=kwargs.pop("kind", "test.notice"), title=title, **kwargs)


def bearer(user):
    raw = new_raw_token()
    ApiToken.objects.create(user=user, name="test", prefix=raw[:8], digest=token_digest(raw))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def read_actions():
    return list(AuditEvent.objects.filter(action__startswith="core.notification").values_list("action", flat=True))


# ---------------------------------------------------------------- model and service


def test_notify_users_stores_one_per_distinct_active_user_in_one_insert(alice, bob, frozen, django_assert_num_queries):
    retired = UserFactory(is_active=False)
    target = alice.department
    ContentType.objects.get_for_model(target)  # warm the content-type cache
    with django_assert_num_queries(1):
        created = store([alice, bob, alice, retired], body="请加快办理", link="/cases/GD20220411-0001/", target=target)
    assert sorted(n.recipient.username for n in created) == ["alice", "bob"]
    row = Notification.objects.get(recipient=alice)
    assert (row.kind, row.title, row.body, row.link) == (
        "test.notice",
        "Case GD20220411-0001 supervised",
        "请加快办理",
        "/cases/GD20220411-0001/",
    )
    assert (row.target_type.model_class(), row.target_id) == (Department, str(target.pk))
    assert row.created_at == NOW and row.read_at is None and row.is_read is False


def test_notify_users_cuts_long_titles_and_refuses_off_site_links(alice):
    (row,) = store([alice], title="长" * 300)
    assert len(row.title) == 200 and row.title.endswith("…")
    for link in ("https://evil.example/", "//evil.example/x", "cases/1/"):
        with pytest.raises(ValueError, match="link"):
            store([alice], link=link)
    with pytest.raises(ValueError):
        store([alice], title="")
    assert Notification.objects.count() == 1
    assert store([], title="nobody") == []


def test_the_inbox_index_exists():
    index = next(i for i in Notification._meta.indexes if i.name == "notification_inbox")
    assert index.fields == ["recipient", "read_at", "-created_at"]


# ---------------------------------------------------------------- selectors


def test_selectors_see_only_my_notifications_newest_first(alice, bob, frozen):
    first = store([alice], title="first")[0]
    frozen.shift(60)
    second = store([alice], title="second")[0]
    store([bob], title="bob's")
    assert list(selectors.my_notifications(alice)) == [second, first]
    assert selectors.my_unread_count(alice) == 2
    assert selectors.my_unread_count(bob) == 1
    assert selectors.notification_for_user_or_404(alice, first.pk) == first
    with pytest.raises(Http404):
        selectors.notification_for_user_or_404(bob, first.pk)
    assert selectors.my_unread_count(None) == 0


# ---------------------------------------------------------------- services


def test_mark_read_is_audited_once_and_keeps_the_first_time(alice, frozen):
    (row,) = store([alice])
    services.mark_notification_read(actor=alice, notification=row)
    frozen.shift(60)
    services.mark_notification_read(actor=alice, notification=Notification.objects.get(pk=row.pk))
    assert Notification.objects.get(pk=row.pk).read_at == NOW
    assert read_actions() == ["core.notification_read"]
    assert selectors.my_unread_count(alice) == 0


def test_nobody_marks_another_users_notification(alice, bob):
    (row,) = store([alice])
    with pytest.raises(OutOfScope):
        services.mark_notification_read(actor=bob, notification=row)
    with pytest.raises(PermissionDenied):
        services.mark_all_notifications_read(actor=None)
    assert Notification.objects.get(pk=row.pk).read_at is None
    assert read_actions() == []


def test_mark_all_read_touches_only_mine(alice, bob, frozen):
    store([alice, bob])
    store([alice])
    assert services.mark_all_notifications_read(actor=alice) == 2
    assert services.mark_all_notifications_read(actor=alice) == 0
    assert selectors.my_unread_count(alice) == 0
    assert selectors.my_unread_count(bob) == 1
    assert read_actions() == ["core.notifications_read_all"]


# ---------------------------------------------------------------- API


def test_api_lists_my_notifications_with_count_and_unread(client, alice, bob, frozen):
    store([alice], title="first")
    frozen.shift(60)
    store([alice], title="second", link="/cases/GD20220411-0001/", target=alice.department)
    store([bob], title="bob's")
    response = client.get("/api/v1/notifications", {"limit": 1}, **bearer(alice))
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["unread"]) == (2, 2)
    assert [i["title"] for i in body["items"]] == ["second"]
    item = body["items"][0]
    assert item["link"] == "/cases/GD20220411-0001/"
    assert item["target_type"] == "accounts.department"
    assert item["target_id"] == str(alice.department.pk)
    assert item["is_read"] is False


def test_api_marks_one_and_all_read(client, alice, bob):
    mine = store([alice])[0]
    store([alice])
    theirs = store([bob])[0]
    response = client.post(f"/api/v1/notifications/{mine.pk}/read", **bearer(alice))
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    # Another user's notification answers 404 like a missing one, and stays unread.
    response = client.post(f"/api/v1/notifications/{theirs.pk}/read", **bearer(alice))
    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    response = client.post("/api/v1/notifications/read-all", **bearer(alice))
    assert response.json() == {"marked": 1, "unread": 0}
    unread = client.get("/api/v1/notifications", {"unread_only": "true"}, **bearer(alice)).json()
    assert (unread["count"], unread["unread"]) == (0, 0)
    assert selectors.my_unread_count(bob) == 1


def test_api_needs_authentication(client):
    assert client.get("/api/v1/notifications").status_code == 401
    response = client.post("/api/v1/notifications/read-all", data=json.dumps({}), content_type="application/json")
    assert response.status_code in (401, 403)


# ---------------------------------------------------------------- pages


def test_page_lists_my_notifications_paged(client, alice, bob, frozen):
    for n in range(12):
        frozen.shift(60)
        store([alice], title=f"notice {n:02d}")
    store([bob], title="bob's notice")
    client.force_login(alice)
    response = client.get("/notifications/", {"page_size": 10})
    assert response.status_code == 200
    html = response.content.decode()
    assert "notice 11" in html and "notice 02" in html and "notice 01" not in html
    assert "bob&#x27;s notice" not in html and "bob's notice" not in html
    assert "12 records" in html
    page2 = client.get("/notifications/", {"page_size": 10, "page": 2}).content.decode()
    assert "notice 01" in page2 and "notice 00" in page2


def test_page_unread_filter_and_mark_all(client, alice, frozen):
    read, unread = store([alice], title="old news")[0], store([alice], title="fresh")[0]
    services.mark_notification_read(actor=alice, notification=read)
    client.force_login(alice)
    html = client.get("/notifications/", {"unread": "1"}).content.decode()
    assert "fresh" in html and "old news" not in html
    response = client.post("/notifications/read-all/", {"next": "/notifications/?unread=1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?unread=1"
    assert Notification.objects.get(pk=unread.pk).read_at == NOW


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, alice, bob):
    (row,) = store([alice], link="/cases/GD20220411-0001/")
    client.force_login(alice)
    response = client.post(f"/notifications/{row.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/cases/GD20220411-0001/"
    assert Notification.objects.get(pk=row.pk).is_read
    (other,) = store([alice])
    response = client.post(f"/notifications/{other.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"


def test_another_users_notification_is_404_on_the_page_too(client, alice, bob):
    (row,) = store([bob])
    client.force_login(alice)
    assert client.post(f"/notifications/{row.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{row.pk}/read/").status_code == 405
    assert Notification.objects.get(pk=row.pk).read_at is None


def test_the_bell_shows_my_unread_count(client, alice, bob):
    store([alice, bob])
    store([alice])
    client.force_login(alice)
    home = client.get("/").content.decode()
    assert 'hx-get="/notifications/bell/"' in home and 'href="/notifications/"' in home
    bell = client.get("/notifications/bell/").content.decode()
    assert 'data-unread="2"' in bell
    services.mark_all_notifications_read(actor=alice)
    assert 'data-unread="0"' in client.get("/notifications/bell/").content.decode()


def test_no_bell_on_the_password_change_page(client, alice):
    # The middleware confines such a user to this page: a bell request would redirect the page to itself.
    alice.must_change_password = True
    alice.save(update_fields=["must_change_password"])
    client.force_login(alice)
    html = client.get("/accounts/password/").content.decode()
    assert "Sign out" in html  # the page shell, user menu and all
    assert "notifications/bell" not in html


def test_pages_need_sign_in(client):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/bell/").status_code == 302
