from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from gongzhi.organizations.selectors import roles_of

from .navigation import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else set()
    unread = 0
    if user is not None and user.is_authenticated:
        from gongzhi.notifications.models import Notification

        unread = Notification.objects.filter(recipient=user, read_at=None).count()
    return {
        "nav_items": items_for(user, roles),
        "user_roles": roles,
        "unread_notifications": unread,
        "tile_url": settings.GONGZHI_TILE_URL,
        "tile_attribution": settings.GONGZHI_TILE_ATTRIBUTION,
    }
