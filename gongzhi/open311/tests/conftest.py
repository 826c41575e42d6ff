from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


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
