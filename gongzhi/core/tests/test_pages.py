from __future__ import annotations

import pytest

from conftest import PERSONAS


@pytest.mark.parametrize("persona", PERSONAS)
def test_home_page_renders_for_every_persona(cast, login, persona):
    response = login(cast, persona).get("/")
    assert response.status_code == 200
    assert b'id="main"' in response.content


def test_health_check_reports_database_cache_and_worker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "worker"}


def test_unknown_page_answers_404_with_the_site_layout(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"skip-link" in response.content


def test_our_own_translation_wins_over_the_admins(cast, login):
    """Django admin translates "Filter" as 过滤器 (a noun); our catalogues say 筛选 and must win."""
    client = login(cast, "clerk")
    client.cookies["gongzhi_language"] = "zh-hans"
    body = client.get("/cases/queue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "筛选" in body
    assert "过滤器" not in body
