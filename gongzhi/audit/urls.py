from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("anchors/", views.anchors, name="anchors"),
    path("anchors.json", views.anchors_json, name="anchors_json"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data.json", views.my_data_json, name="my_data_json"),
    path("consents/", views.consents, name="consents"),
    path("delete/", views.account_delete, name="account_delete"),
]
