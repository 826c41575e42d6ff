"""Security headers for every response: a strict Content-Security-Policy and friends.

The policy allows scripts, styles, fonts and XHR only from this site, images from
this site, `data:` URIs and the configured map tile server, and nothing else: no
inline script, no inline style attribute, no plugin, no framing, no form posting
elsewhere. Uploaded files served under MEDIA_URL get a sandboxing policy so a
crafted upload (HTML, SVG) cannot run script in the site's origin.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(self), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()"
)
MEDIA_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"


def tile_source(tile_url: str) -> str:
    """The CSP source for a Leaflet tile template ("https://{s}.tile.example.org/{z}/...")."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc
    if tile_url.split("//", 1)[-1].startswith("{s}."):
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


@cache
def content_security_policy(tile_url: str) -> str:
    img = " ".join(filter(None, ["'self'", "data:", tile_source(tile_url)]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {img}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


class SecurityHeadersMiddleware:
    """Adds CSP, Permissions-Policy and cross-origin headers unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        media_url = settings.MEDIA_URL or ""
        if media_url and request.path.startswith(media_url):
            response["Content-Security-Policy"] = MEDIA_POLICY
            response.setdefault("X-Content-Type-Options", "nosniff")
            response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
            return response
        response.setdefault(
            "Content-Security-Policy",
            content_security_policy(getattr(settings, "GONGZHI_TILE_URL", "") or ""),
        )
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("X-Content-Type-Options", "nosniff")
        return response
