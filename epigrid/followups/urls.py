"""URL patterns of the follow-up task pages under /followups/ (namespace "followups")."""

from __future__ import annotations

from django.urls import path

from epigrid.followups import views

app_name = "followups"

urlpatterns = [
    path("", views.task_home, name="home"),
    path("mine/", views.task_mine, name="mine"),
    path("regions/<int:region_id>/", views.task_list, name="list"),
    path("new/", views.task_new, name="new"),
    path("<int:task_id>/", views.task_detail, name="detail"),
    path("<int:task_id>/complete/", views.task_complete_view, name="complete"),
    path("<int:task_id>/cancel/", views.task_cancel_view, name="cancel"),
    path("<int:task_id>/reassign/", views.task_reassign_view, name="reassign"),
]
