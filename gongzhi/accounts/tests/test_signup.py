from __future__ import annotations

import re

import pytest
from django.core import mail

from gongzhi.accounts.models import User

GOOD = {"email": "new.person@example.org", "password1": "river-lantern-47", "password2": "river-lantern-47"}


def signup(client, language="en", **fields):
    client.cookies["gongzhi_language"] = language
    return client.post("/accounts/signup/", {**GOOD, **fields})


def test_sign_up_sends_a_confirmation_mail_and_confirming_logs_the_person_in(client, cast):
    response = signup(client, display_name="Ms Fang", phone="13812345678")
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.display_name == "Ms Fang"
    assert user.phone == "+8613812345678"
    assert user.preferred_language == "en"
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_taken_email_is_refused_on_the_email_field(client, cast):
    response = signup(client, email="resident@demo.gongzhi.invalid")
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(email="new.person@example.org").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"password1": "short", "password2": "short"}, "password1"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1"),
        ({"password2": "something-else-9"}, "password2"),
        ({"phone": "12ab"}, "phone"),
        ({"phone": "1234"}, "phone"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_bad_sign_up_input_is_refused_with_the_field_named(client, cast, fields, field):
    response = signup(client, **fields)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert User.objects.filter(email=fields.get("email", GOOD["email"])).count() == 0


def test_field_errors_come_in_chinese_for_a_chinese_speaker(client, cast):
    response = signup(client, language="zh-hans", phone="12ab")
    assert response.status_code == 200
    assert "请只输入数字" in response.content.decode()


def test_field_errors_come_in_english_for_an_english_speaker(client, cast):
    response = signup(client, language="en", phone="12ab")
    assert "Enter a phone number with digits only" in response.content.decode()


def test_repeated_failed_log_ins_lock_out_with_a_clear_message(client, cast):
    from django.core.cache import cache

    cache.clear()
    client.cookies["gongzhi_language"] = "en"
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "resident", "password": "wrong-password"})
        assert response.status_code == 200
        assert "The username and/or password you specified are not correct." in response.content.decode()
    response = client.post("/accounts/login/", {"login": "resident", "password": "gongzhi-demo-2026"})
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    cache.clear()
    response = client.post("/accounts/login/", {"login": "resident", "password": "gongzhi-demo-2026"})
    assert response.status_code == 302
