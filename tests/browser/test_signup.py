"""A newcomer signs up, confirms the e-mail, logs in and switches to Chinese."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_person_signs_up_confirms_logs_in_and_reads_the_home_page_in_chinese(
    page, live_server, tcast
):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Sign up").first.click()
    page.fill("input[name=email]", "ming@example.org")
    page.fill("input[name=display_name]", "Ming")
    page.fill("input[name=phone]", "12ab")
    page.fill("input[name=password1]", "lantern-river-82")
    page.fill("input[name=password2]", "lantern-river-82")
    page.locator("form[action$='/accounts/signup/'] button[type=submit]").click()
    assert page.get_by_text("Enter a phone number with digits only").is_visible()

    page.fill("input[name=phone]", "13812345678")
    page.fill("input[name=password1]", "lantern-river-82")
    page.fill("input[name=password2]", "lantern-river-82")
    page.locator("form[action$='/accounts/signup/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ming@example.org"]
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[0].body).group(
        0
    )
    page.goto(live_server.url + "/accounts/" + link.split("/accounts/", 1)[1])
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/accounts/logout/")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "ming@example.org")
    page.fill("input[name=password]", "lantern-river-82")
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Ming").is_visible()

    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", level=1).inner_text() == "共建共治共享，您的社区"
    assert page.get_by_role("link", name="反映问题").first.is_visible()
