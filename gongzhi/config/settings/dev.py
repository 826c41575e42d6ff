"""Settings for a developer's machine and for `make run`."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("GONGZHI_DEBUG", default=False)
GONGZHI_STAFF_REQUIRE_2FA = env.bool("GONGZHI_STAFF_REQUIRE_2FA", default=False)
