"""Fixtures of the economy tests: the demo figures, users with economy roles, a JSON client."""

from __future__ import annotations

import io
import json

import pytest
import time_machine

from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.economy import demo as economy_demo


class _Demo:
    def __init__(self):
        self.objects: dict = {}
        self.lines: list[str] = []
        self.stdout = io.StringIO()

    def say(self, text: str) -> None:
        self.lines.append(text)


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Tests run on the day of the seed's interviews."""
    with time_machine.travel("2022-04-21 10:00:00+08:00", tick=False):
        yield


@pytest.fixture
def seeded(db):
    """The economy demo data, built by the demo builder itself."""
    demo = _Demo()
    economy_demo.build(demo)
    return demo


@pytest.fixture
def reader(db):
    user = UserFactory()
    grant(user, "economy.view_value")
    return user


@pytest.fixture
def clerk(db):
    """A statistics clerk: view, add and change values."""
    user = UserFactory()
    grant(user, "economy.view_value", "economy.add_value", "economy.change_value")
    return user


@pytest.fixture
def publisher(db):
    user = UserFactory()
    grant(user, "economy.view_value", "economy.add_value", "economy.change_value", "economy.publish_period")
    return user


@pytest.fixture
def admin_user(db):
    user = UserFactory()
    grant(user, "economy.view_value", "economy.manage_indicator")
    return user


@pytest.fixture
def nobody(db):
    return UserFactory()


def post_json(client, url, data, **extra):
    return client.post(url, data=json.dumps(data), content_type="application/json", **extra)


def patch_json(client, url, data, **extra):
    return client.patch(url, data=json.dumps(data), content_type="application/json", **extra)
