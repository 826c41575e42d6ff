from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from gongzhi.core import views as core_views

urlpatterns = [
    path("", include("gongzhi.core.urls")),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("org/", include("gongzhi.organizations.urls")),
    path("areas/", include("gongzhi.territory.urls")),
    path("notifications/", include("gongzhi.notifications.urls")),
    path("cases/", include("gongzhi.cases.urls")),
    path("consultations/", include("gongzhi.consultations.urls")),
    path("volunteering/", include("gongzhi.volunteering.urls")),
    path("mediation/", include("gongzhi.mediation.urls")),
    path("safety/", include("gongzhi.safety.urls")),
    path("intelligence/", include("gongzhi.intelligence.urls")),
    path("stats/", include("gongzhi.analytics.urls")),
    path("audit/", include("gongzhi.audit.urls")),
    path("api/v1/", include("gongzhi.api.urls")),
    path("open311/v2/", include("gongzhi.open311.urls")),
    path("admin/", admin.site.urls),
    # Uploaded files in the single-host set-up; behind a reverse proxy, the proxy serves them.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]

handler400 = core_views.error_400
handler403 = core_views.error_403
handler404 = core_views.error_404
handler500 = core_views.error_500
