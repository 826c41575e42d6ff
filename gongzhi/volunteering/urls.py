from django.urls import path

from . import views

app_name = "volunteering"

urlpatterns = [
    path("", views.index, name="index"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/signup/", views.activity_signup, name="signup"),
    path("activities/<int:pk>/check-in/", views.activity_checkin_code, name="checkin_code"),
    path("activities/<int:pk>/manage/", views.activity_manage, name="manage"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/complete/", views.activity_complete, name="activity_complete"),
    path("activities/<int:pk>/new-code/", views.activity_rotate_code, name="activity_rotate_code"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("organise/", views.organise, name="organise"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("signups/<int:pk>/check-in/", views.signup_check_in, name="signup_check_in"),
    path("signups/<int:pk>/check-out/", views.signup_check_out, name="signup_check_out"),
    path("signups/<int:pk>/hours/", views.signup_certify, name="signup_certify"),
    path("signups/<int:pk>/certificate/", views.certificate_issue, name="certificate_issue"),
    path("me/", views.me, name="me"),
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("me/profile/delete/", views.profile_delete, name="profile_delete"),
    path("me/transfer/", views.transfer, name="transfer"),
    path("me/certificates/<str:code>.pdf", views.certificate_download, name="certificate_download"),
    path("volunteers/<int:user_id>/", views.volunteer_profile, name="volunteer_profile"),
    path("certificates/", views.certificate_check, name="certificate_check"),
    path("certificates/<str:code>/", views.certificate_check, name="certificate_check_code"),
    path("referrals/", views.referral_inbox, name="referrals"),
    path("referrals/<int:pk>/<slug:action>/", views.referral_act, name="referral_act"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/register/", views.organisation_register, name="organisation_register"),
    path("organisations/review/", views.review_queue, name="review_queue"),
    path("organisations/review/<slug:code>/", views.review_detail, name="review_detail"),
    path(
        "organisations/review/<slug:code>/documents/<int:pk>/",
        views.review_document,
        name="review_document",
    ),
    path("organisations/<slug:code>/", views.organisation_detail, name="organisation"),
]
