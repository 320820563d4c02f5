"""URL patterns of the checkpoint pages under /checkpoints/ (namespace "checkpoints")."""

from __future__ import annotations

from django.urls import path

from epigrid.checkpoints import hub_views, views

app_name = "checkpoints"

urlpatterns = [
    path("", views.checkpoint_home, name="home"),
    path("regions/<int:region_id>/", views.checkpoint_list, name="list"),
    path("new/", views.checkpoint_new, name="new"),
    path("<int:checkpoint_id>/", views.checkpoint_detail, name="detail"),
    path("<int:checkpoint_id>/edit/", views.checkpoint_edit, name="edit"),
    path("<int:checkpoint_id>/register/", views.passage_new, name="register"),
    path("<int:checkpoint_id>/lookup/", views.person_lookup, name="lookup"),
    path("<int:checkpoint_id>/observation-room/", hub_views.room, name="room"),
    path("<int:checkpoint_id>/outside-handovers/", hub_views.outside, name="outside"),
    path("<int:checkpoint_id>/outside-handovers/print/", hub_views.outside_print, name="outside_print"),
    path("<int:checkpoint_id>/outside-handovers.xlsx", hub_views.outside_download, name="outside_xlsx"),
    path("handovers/", views.handover_list, name="handovers"),
    path("handovers/<int:handover_id>/", views.handover_update, name="handover"),
    path("roads/", views.road_coverage, name="roads"),
    path("roads/map.svg", views.road_map, name="road_map"),
]
