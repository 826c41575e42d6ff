from __future__ import annotations

from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("", views.index, name="index"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/phase/", views.topic_advance, name="topic_advance"),
    path("topics/<int:pk>/follow/", views.topic_follow, name="topic_follow"),
    path("topics/<int:pk>/decide/", views.topic_decide, name="topic_decide"),
    path("topics/<int:pk>/propose/", views.proposal_create, name="topic_propose"),
    path("topics/<int:pk>/arguments/", views.argument_add, name="argument_add"),
    path("topics/<int:pk>/vote/setup/", views.vote_setup, name="vote_setup"),
    path("topics/<int:pk>/vote/", views.ballot, name="ballot"),
    path("topics/<int:pk>/vote/receipt/", views.receipt_check, name="receipt_check"),
    path("topics/<int:pk>/results/", views.results, name="results"),
    path("topics/<int:pk>/results.json", views.results_json, name="results_json"),
    path("topics/<int:pk>/ballots.csv", views.ballots_csv, name="ballots_csv"),
    path("topics/<int:pk>/implementation/", views.implementation, name="implementation"),
    path("milestones/<int:pk>/progress/", views.milestone_progress, name="milestone_progress"),
    path("arguments/<int:pk>/edit/", views.argument_edit, name="argument_edit"),
    path("arguments/<int:pk>/flag/", views.argument_flag, name="argument_flag"),
    path("arguments/<int:pk>/moderate/", views.argument_moderate, name="argument_moderate"),
    path("moderation/", views.moderation_log, name="moderation_log"),
    path("moderation/<int:pk>/", views.moderation_detail, name="moderation_detail"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/support/", views.proposal_support, name="proposal_support"),
    path("proposals/<int:pk>/promote/", views.proposal_promote, name="proposal_promote"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
]
