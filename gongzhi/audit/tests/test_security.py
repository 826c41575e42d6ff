from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from gongzhi.audit.htmlscan import inline_code
from gongzhi.audit.ratelimit import rate_limit, rate_limit_request
from gongzhi.audit.security import content_security_policy, tile_source
from gongzhi.core.errors import RateLimited

MIDDLEWARE = ["gongzhi.audit.security.SecurityHeadersMiddleware", *settings.MIDDLEWARE]
PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/areas/",
    "/audit/anchors/",
]
SIGNED_IN_PAGES = [
    "/accounts/profile/",
    "/notifications/",
    "/audit/my-data/",
    "/audit/consents/",
    "/audit/delete/",
]


@override_settings(MIDDLEWARE=MIDDLEWARE)
@pytest.mark.parametrize("path", PAGES)
def test_public_pages_carry_security_headers_and_no_inline_code(
    db: Any, cast: Any, path: str
) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert inline_code(response.content.decode()) == []


@override_settings(MIDDLEWARE=MIDDLEWARE)
@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_have_no_inline_code(cast: Any, login: Any, path: str) -> None:
    response = login(cast, "resident").get(path)
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert inline_code(response.content.decode()) == []


@override_settings(MIDDLEWARE=MIDDLEWARE)
def test_uploaded_files_are_served_sandboxed(db: Any) -> None:
    media = settings.MEDIA_ROOT
    (media / "evil.html").write_text("<script>alert(1)</script>")
    response = Client().get("/media/evil.html")
    assert response.status_code == 200
    assert response["Content-Security-Policy"].endswith("sandbox")
    assert "script-src" not in response["Content-Security-Policy"]


def test_scanner_finds_each_kind_of_inline_code() -> None:
    html = (
        '<script>x()</script><p style="color:red" onclick="x()">a</p>'
        '<a href="javascript:alert(1)">b</a><script src="/s.js"></script><style>p{}</style>'
    )
    found = inline_code(html)
    assert len(found) == 5
    assert any("onclick" in p for p in found) and any("javascript:" in p for p in found)


def test_tile_host_is_allowed_for_images_only() -> None:
    assert (
        tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    )
    assert tile_source("https://tiles.example.cn/{z}/{x}/{y}.png") == "https://tiles.example.cn"
    assert tile_source("") == ""
    csp = content_security_policy("https://tiles.example.cn/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://tiles.example.cn;" in csp
    assert "script-src 'self';" in csp


def test_rate_limit_refuses_past_the_limit_and_says_when_to_retry() -> None:
    cache.clear()
    assert [rate_limit("test:vote:1", 3, 600) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RateLimited) as error:
        rate_limit("test:vote:1", 3, 600)
    assert error.value.status == 429 and 0 < error.value.retry_after <= 600
    assert "try again" in error.value.message
    assert rate_limit("test:vote:2", 3, 600) == 1


def test_rate_limit_request_keys_visitors_by_address(rf: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    cache.clear()
    request = rf.post("/", REMOTE_ADDR="203.0.113.9")
    request.user = AnonymousUser()
    rate_limit_request(request, "submit", 1, 60)
    with pytest.raises(RateLimited):
        rate_limit_request(request, "submit", 1, 60)
    other = rf.post("/", REMOTE_ADDR="203.0.113.10")
    other.user = AnonymousUser()
    assert rate_limit_request(other, "submit", 1, 60) == 1
