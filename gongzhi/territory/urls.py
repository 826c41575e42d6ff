from django.urls import path

from . import views

app_name = "territory"

urlpatterns = [
    path("", views.area_list, name="list"),
    path("geojson/", views.area_geojson, name="geojson"),
    path("import/", views.area_import, name="import"),
]
