"""Stored XSS: payloads pushed through every text field come back inert on every page.

Each entry of FORMS posts a payload into the text fields of one form, as the persona
who may use it. Then every page without path parameters (from the URL map) and the
pages listed in PAGES are fetched as several personas and scanned: no script, event
handler, style or javascript: URL may appear that the templates did not write
themselves (`gongzhi.audit.htmlscan.inline_code`), and the raw payload never appears
unescaped. To cover a new form, add it to FORMS and the pages showing its data to PAGES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import NoReverseMatch, reverse

from gongzhi.audit.htmlscan import inline_code
from tests.test_permission_matrix import routes

PAYLOADS = [
    '<script>alert("x1")</script>',
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    '<a href="javascript:alert(4)">x</a>',
    "</textarea><script>alert(5)</script>",
    '<iframe srcdoc="<script>alert(6)</script>">',
    "<style>body{display:none}</style>{{ 7|add:7 }}",
    '" style="background:url(javascript:alert(7))',
    "<details open ontoggle=alert(8)>",
    "<<script>script>alert(9)<</script>/script>",
]


@dataclass(frozen=True)
class Form:
    persona: str
    url: Callable[[Any], str]
    data: Callable[[Any, str], dict[str, str]]


@dataclass(frozen=True)
class Page:
    persona: str
    url: Callable[[Any], str]
    names: tuple[str, ...] = field(default=())


def _pending_residence(cast: Any) -> Any:
    from gongzhi.accounts.models import Residence

    return Residence.objects.filter(user=cast.resident, status="pending").order_by("-pk").first()


FORMS: list[Form] = [
    Form(
        "resident",
        lambda c: reverse("accounts:profile"),
        lambda c, p: {
            "profile-display_name": p,
            "profile-phone": "",
            "profile-preferred_language": "en",
        },
    ),
    Form(
        "resident",
        lambda c: reverse("accounts:residence_request"),
        lambda c, p: {"residence-area": str(c.areas["JC.LJ.XH.C1"].pk), "residence-note": p},
    ),
]

PAGES: list[Page] = [
    Page("resident", lambda c: reverse("accounts:profile")),
    Page("resident", lambda c: reverse("audit:my_data")),
    Page("gridworker", lambda c: reverse("accounts:residence_review")),
    Page("committee", lambda c: reverse("accounts:residence_review")),
    Page(
        "committee",
        lambda c: (
            reverse("accounts:residence_decide", kwargs={"pk": _pending_residence(c).pk})
            if _pending_residence(c)
            else "/"
        ),
    ),
    Page("committee", lambda c: reverse("organizations:members", kwargs={"code": "public-works"})),
]

# The resident sees their own data in the header and forms; the committee sees others'.
CRAWL_AS = ("resident", "committee")


def _client(cast: Any, persona: str) -> Client:
    client = Client()
    if persona != "visitor":
        client.force_login(cast.users[persona])
    return client


def _simple_pages() -> list[str]:
    paths = []
    for name in routes():
        if name.startswith("admin:") or name in ("media", "core:set_language", "account_logout"):
            continue
        try:
            paths.append(reverse(name))
        except NoReverseMatch:  # routes with parameters are covered by PAGES
            continue
    return paths


def _assert_inert(html: str, payload: str, where: str) -> None:
    problems = inline_code(html)
    assert not problems, f"{where}: {problems}"
    if "<" in payload or '"' in payload:
        assert payload not in html, f"{where}: the payload appears unescaped"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_every_text_field_render_inert_on_every_page(cast: Any, payload: str) -> None:
    cache.clear()
    from gongzhi.accounts.models import Residence

    Residence.objects.filter(user=cast.resident).delete()
    for form in FORMS:
        response = _client(cast, form.persona).post(form.url(cast), form.data(cast, payload))
        assert response.status_code < 500, f"{form.url(cast)} answered {response.status_code}"
    cast.resident.refresh_from_db()
    assert cast.resident.display_name == payload[:80], (
        "the payload should have been stored as typed"
    )
    assert Residence.objects.filter(user=cast.resident, note=payload).exists()

    checked = 0
    for page in PAGES:
        url = page.url(cast)
        response = _client(cast, page.persona).get(url)
        assert response.status_code == 200, f"{url} as {page.persona}: {response.status_code}"
        _assert_inert(response.content.decode(), payload, f"{url} as {page.persona}")
        checked += 1
    for persona in CRAWL_AS:
        client = _client(cast, persona)
        for path in _simple_pages():
            response = client.get(path)
            assert response.status_code < 500, f"{path} as {persona}: {response.status_code}"
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                _assert_inert(response.content.decode(), payload, f"{path} as {persona}")
                checked += 1
    assert checked > 20


def test_the_payloads_do_show_up_escaped_where_the_data_is_shown(cast: Any) -> None:
    payload = PAYLOADS[0]
    client = _client(cast, "resident")
    client.post(reverse("accounts:profile"), FORMS[0].data(cast, payload))
    html = client.get(reverse("audit:my_data")).content.decode()
    assert "&lt;script&gt;alert(&quot;x1&quot;)&lt;/script&gt;" in html
