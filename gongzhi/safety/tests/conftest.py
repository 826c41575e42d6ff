from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from .helpers import setup_safety


@pytest.fixture
def safety(cast: Any) -> SimpleNamespace:
    return setup_safety(cast)
