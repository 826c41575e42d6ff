from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<slug:code>/members/", views.members, name="members"),
    path("<slug:code>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("<slug:code>/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
]
