from __future__ import annotations

import pytest

from gongzhi.cases.tests.conftest import _cases_seeded, catalogue, new_case  # noqa: F401


@pytest.fixture(autouse=True)
def _english_pages(request, settings):
    """These tests read English labels: visitors and the cast see English pages."""
    settings.LANGUAGE_CODE = "en"
    if "db" in request.fixturenames or "cast" in request.fixturenames:
        from django.contrib.auth import get_user_model

        get_user_model().objects.update(preferred_language="en")
