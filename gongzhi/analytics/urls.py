from django.urls import path, re_path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    path("report/<int:year>-<int:month>.pdf", views.monthly_report, name="monthly_report"),
    path("public/", views.public, name="public"),
    path("open-data/", views.open_data, name="open_data"),
    re_path(
        r"^open-data/cases-(?P<day>\d{4}-\d{2}-\d{2})\.(?P<fmt>csv|json|agg\.csv)$",
        views.open_data_file,
        name="open_data_file",
    ),
]
