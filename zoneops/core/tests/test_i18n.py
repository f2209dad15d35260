"""Simplified Chinese is the default language, and the catalogue translates the shell."""

import pytest
from django.conf import settings as django_settings
from django.utils.translation import gettext


def test_default_language_is_simplified_chinese():
    # The autouse fixture switches tests to English; the module's own value is still zh-hans.
    from zoneops import settings as zoneops_settings

    assert zoneops_settings.LANGUAGE_CODE == "zh-hans"
    assert ("en", "English") in [(code, str(name)) for code, name in django_settings.LANGUAGES]


def test_catalogue_translates_the_import_row_message(chinese):
    assert gettext("Check digit is wrong.") == "校验位错误"
    assert (
        gettext("Row %(row)s %(column)s: %(message)s")
        % {"row": 3, "column": "统一社会信用代码", "message": "校验位错误"}
        == "第3行 统一社会信用代码 校验位错误"
    )


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client, chinese):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.content.decode()
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_login_page_switches_to_english(client, chinese):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sign in" in response.content.decode()
