from __future__ import annotations

from gongzhi.cases.tests.conftest import _cases_seeded, catalogue, new_case  # noqa: F401
