from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    # Rate-limit counters live in the cache; each test starts with empty buckets.
    cache.clear()
    yield
    cache.clear()


class ApiClient:
    """A test client that speaks JSON with a bearer token."""

    def __init__(self, raw: str | None) -> None:
        self.client = Client(headers={"Accept-Language": "en"})
        self.headers = {"Authorization": f"Bearer {raw}"} if raw else {}
        self.raw = raw

    def get(self, path: str, **headers: Any) -> Any:
        return self.client.get(path, headers={**self.headers, **headers})

    def post(self, path: str, data: Any = None, *, key: str | None = None, **headers: Any) -> Any:
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(path, data=data if data is not None else {}, content_type="application/json",
                                headers={**self.headers, **headers})

    def post_raw(self, path: str, body: bytes | str, content_type: str, **headers: Any) -> Any:
        return self.client.post(path, data=body, content_type=content_type, headers={**self.headers, **headers})


@pytest.fixture
def api_as(cast: Any) -> Callable[..., ApiClient]:
    """api_as("clerk", scope="read") -> a client holding a fresh token of that persona."""
    from gongzhi.api.services import token_create

    def make(name: str, scope: str = "read_write") -> ApiClient:
        if name == "visitor":
            return ApiClient(None)
        _token, raw = token_create(actor=cast.users[name], name=f"test {name}", scope=scope)
        return ApiClient(raw)

    return make


def _seed_cases(cast: Any) -> None:
    from gongzhi.cases import demo

    demo.seed_calendar()
    demo.seed_categories()
    demo.seed_catalogue(cast)


@pytest.fixture(scope="session")
def _cases_seeded(django_db_setup: Any, django_db_blocker: Any) -> None:
    from gongzhi.core.demo import seed_demo

    with django_db_blocker.unblock():
        _seed_cases(seed_demo())


@pytest.fixture
def catalogue(_cases_seeded: Any, cast: Any) -> Any:
    """The cast plus the default category tree, dispatch catalogue and calendar."""
    from gongzhi.cases.models import Category

    if not Category.objects.filter(code="pothole").exists():
        _seed_cases(cast)
    return cast


@pytest.fixture
def tcatalogue(tcast: Any) -> Any:
    _seed_cases(tcast)
    return tcast


@pytest.fixture
def client() -> Any:
    """Messages are asserted in English; the site's default language is Chinese."""
    from django.test import Client

    return Client(headers={"Accept-Language": "en"})
