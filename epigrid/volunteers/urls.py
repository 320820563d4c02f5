"""URL patterns of the volunteer and duty roster pages under /volunteers/ (namespace "volunteers")."""

from __future__ import annotations

from django.urls import path

from epigrid.volunteers import team_views, views

app_name = "volunteers"

urlpatterns = [
    path("", views.roster_home, name="home"),
    path("roster/<int:region_id>/", views.roster, name="roster"),
    path("roster/<int:region_id>/week/", views.unit_week, name="unit_week"),
    path("roster/<int:region_id>/new/", views.duty_new_unit, name="duty_new_unit"),
    path("checkpoints/<int:checkpoint_id>/week/", views.checkpoint_week, name="checkpoint_week"),
    path("checkpoints/<int:checkpoint_id>/new/", views.duty_new_checkpoint, name="duty_new_checkpoint"),
    path("duties/<int:duty_id>/delete/", views.duty_delete, name="duty_delete"),
    path("teams/", team_views.team_home, name="team_home"),
    path("teams/regions/<int:region_id>/", team_views.team_list, name="teams"),
    path("teams/new/", team_views.team_new, name="team_new"),
    path("teams/<int:team_id>/", team_views.team_detail, name="team"),
    path("teams/<int:team_id>/edit/", team_views.team_edit, name="team_edit"),
    path("members/regions/<int:region_id>/", team_views.member_list, name="members"),
    path("members/new/", team_views.member_new, name="member_new"),
    path("members/<int:volunteer_id>/edit/", team_views.member_edit, name="member_edit"),
]
