"""The shared cast of personas and the browser and server fixtures.

The demo community (gongzhi.core.demo) is the cast: a resident, a second resident,
an operator, a clerk of department A (public works), a clerk of department B (city
management), a department head (A), a grid worker, a social-organisation member, a
mediator, a committee member, an administrator, and the visitor (not logged in).
It is seeded once into the test database; tests run inside transactions and leave it
intact. Tests that need real commits (live server, threads) re-seed it when needed.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses
# calls from such a thread unless told the caller knows it is synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PERSONAS = [
    "resident", "resident2", "operator", "clerk", "clerk_b", "head",
    "gridworker", "social", "mediator", "committee", "admin", "visitor",
]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]
ARTIFACTS = Path(os.environ.get("GONGZHI_TEST_ARTIFACTS", "var/test-artifacts"))


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Messages raised outside a request (services, commands) come in English in tests;
    pages still follow the language cookie or the signed-in person's preference."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from gongzhi.core.demo import seed_demo

    with django_db_blocker.unblock():
        seed_demo()


def _load_cast() -> Any:
    from django.contrib.auth import get_user_model

    from gongzhi.core.demo import Cast, seed_demo
    from gongzhi.organizations.models import Organisation
    from gongzhi.territory.models import Area

    users = {u.username: u for u in get_user_model().objects.filter(username__in=PERSONAS)}
    if len(users) < len(PERSONAS) - 1:
        return seed_demo()
    cast = Cast()
    cast.users.update(users)
    cast.areas.update({a.code: a for a in Area.objects.filter(code__startswith="JC")})
    cast.orgs.update({o.code: o for o in Organisation.objects.all()})
    return cast


@pytest.fixture
def cast(db: Any) -> Any:
    """The demo community; attributes by username (cast.clerk), areas and orgs by code."""
    return _load_cast()


@pytest.fixture
def tcast(transactional_db: Any) -> Any:
    """The cast for tests that commit (threads, live server): seeded after each flush."""
    return _load_cast()


def persona_user(cast: Any, name: str) -> Any:
    return AnonymousUser() if name == "visitor" else cast.users[name]


@pytest.fixture
def login() -> Any:
    """login(cast, "clerk") -> a Django test client signed in as that persona."""

    def make(cast: Any, name: str) -> Client:
        client = Client()
        if name != "visitor":
            client.force_login(cast.users[name])
        return client

    return make


# --- Browser ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(request: Any, browser: Any) -> Iterator[Any]:
    """A fresh browser page at desktop size; on failure its screenshot is kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        # The page may already be gone; the test failure itself says why.
        with contextlib.suppress(Exception):
            pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


AXE = Path(__file__).resolve().parent / "tests" / "assets" / "axe.min.js"


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Run axe-core on the current page. The script is served from the page's own origin
    (through a Playwright route), so the site's strict CSP stays on during the check."""
    origin = page.evaluate("location.origin")
    url = f"{origin}/__test_assets__/axe.min.js"
    page.route(url, lambda route: route.fulfill(path=str(AXE), content_type="application/javascript"))
    page.add_script_tag(url=url)
    return page.evaluate(
        "impacts => axe.run().then(r => r.violations.filter(v => impacts.includes(v.impact))"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length})))",
        list(impacts),
    )


def browser_login(page: Any, live_server: Any, username: str, password: str | None = None) -> None:
    from gongzhi.core.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password or DEMO_PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_load_state()
