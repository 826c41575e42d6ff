from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("residences/request/", views.residence_request, name="residence_request"),
    path("residences/<int:pk>/withdraw/", views.residence_withdraw, name="residence_withdraw"),
    path("residences/review/", views.residence_review, name="residence_review"),
    path("residences/review/<int:pk>/", views.residence_decide, name="residence_decide"),
]
