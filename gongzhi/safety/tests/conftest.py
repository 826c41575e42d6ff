from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from .helpers import setup_safety


@pytest.fixture
def safety(cast: Any) -> SimpleNamespace:
    return setup_safety(cast)


@pytest.fixture
def catalogue(cast: Any) -> Any:
    """The cases app's category tree, dispatch catalogue and calendar."""
    from gongzhi.cases import demo
    from gongzhi.cases.models import Category

    if not Category.objects.filter(code="fire-exit").exists():
        demo.seed_calendar()
        demo.seed_categories()
        demo.seed_catalogue(cast)
    return cast
