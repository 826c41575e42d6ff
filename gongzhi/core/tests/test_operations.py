from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGZHI_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC"))}
    full_env.update({"DJANGO_SETTINGS_MODULE": "gongzhi.config.settings.prod", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_its_required_variables():
    result = run_manage("check")
    assert result.returncode != 0
    for name in ("GONGZHI_SECRET_KEY", "GONGZHI_ALLOWED_HOSTS", "DATABASE_URL"):
        assert name in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    result = run_manage(
        "check", GONGZHI_SECRET_KEY="short", GONGZHI_ALLOWED_HOSTS="x.org",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", GONGZHI_DATA_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "at least 50" in result.stderr


def test_production_passes_the_deployment_checklist_with_zero_warnings(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        GONGZHI_SECRET_KEY="k" + "x7Yq2#vB9!mZ4@pL8$wR1%tN6^hJ3&dF5*gS0(cV" * 2,
        GONGZHI_ALLOWED_HOSTS="gongzhi.example.org", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        GONGZHI_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_malformed_environment_values_stop_start_up_naming_the_variable(tmp_path):
    result = run_manage(
        "check", GONGZHI_SECRET_KEY="abcdefghij" * 6, GONGZHI_ALLOWED_HOSTS="x.org",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", GONGZHI_CONN_MAX_AGE="soon", GONGZHI_DATA_DIR=str(tmp_path),
        GONGZHI_HSTS_SECONDS="a year",
    )
    assert result.returncode != 0
    assert "a year" in result.stderr or "GONGZHI_HSTS_SECONDS" in result.stderr


@override_settings(
    CACHES={"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}}}
)
def test_health_check_answers_503_naming_the_cache_when_it_is_down(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_health_check_answers_503_when_the_worker_has_no_heartbeat(client, db, settings):
    settings.HUEY = {**settings.HUEY, "immediate": False}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "error": "no heartbeat"}
    from gongzhi.core.tasks import worker_heartbeat

    worker_heartbeat.call_local()
    assert client.get("/healthz").status_code == 200


def test_health_check_uses_a_real_redis_when_one_is_configured(client, db, settings):
    url = os.environ.get("GONGZHI_TEST_REDIS_URL", "redis://127.0.0.1:56380/0")
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url}}
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()


def test_each_request_writes_one_structured_log_line(client, db, caplog, settings):
    from gongzhi.core.logging import JsonFormatter
    from gongzhi.core.middleware import RequestLogMiddleware

    settings.GONGZHI_REQUEST_LOG = True
    RequestLogMiddleware.enabled = True
    try:
        with caplog.at_level(logging.INFO, logger="gongzhi.request"):
            client.get("/healthz", HTTP_X_REQUEST_ID="abc123")
    finally:
        del RequestLogMiddleware.enabled
    records = [r for r in caplog.records if r.name == "gongzhi.request"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "abc123"
    assert line["status"] == 200 and line["path"] == "/healthz" and "duration_ms" in line


@pytest.mark.parametrize(("language", "needle"), [("zh-hans", "共建共治共享"), ("en", "governed together")])
def test_language_switch_changes_the_page_and_is_remembered_for_a_signed_in_person(cast, login, language, needle):
    client = login(cast, "resident2")
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302
    assert needle in client.get("/").content.decode()
    cast.resident2.refresh_from_db()
    assert cast.resident2.preferred_language == language


def test_language_switch_ignores_foreign_redirects_and_unknown_languages(client, db):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_error_pages_exist_in_both_languages(client, db):
    client.cookies["gongzhi_language"] = "zh-hans"
    assert "页面不存在" in client.get("/missing/").content.decode()
    client.cookies["gongzhi_language"] = "en"
    assert "Page not found" in client.get("/missing/").content.decode()


def test_staff_without_a_second_factor_are_sent_to_enrol_when_required(cast, login, settings):
    settings.GONGZHI_STAFF_REQUIRE_2FA = True
    response = login(cast, "clerk").get("/org/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate" in response["Location"]
    assert login(cast, "resident").get("/accounts/profile/").status_code == 200
    # The enrolment flow itself stays reachable (allauth first asks to re-enter the password).
    enrol = login(cast, "clerk").get("/accounts/2fa/totp/activate/")
    assert enrol.status_code == 200 or enrol["Location"].startswith("/accounts/reauthenticate/")


def test_demo_seed_is_idempotent(cast):
    from gongzhi.core.demo import seed_demo
    from gongzhi.organizations.models import Membership

    before = Membership.objects.count()
    seed_demo()
    seed_demo()
    assert Membership.objects.count() == before


@pytest.mark.parametrize("username", [p for p in __import__("conftest").PERSONAS if p != "visitor"])
def test_every_demo_account_logs_in_with_the_printed_password(cast, client, username):
    from gongzhi.core.demo import DEMO_PASSWORD

    client.cookies["gongzhi_language"] = "en"
    response = client.post("/accounts/login/", {"login": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/accounts/profile/").status_code == 200
