"""URL patterns of the triage pages under /triage/ (namespace "triage")."""

from __future__ import annotations

from django.urls import path

from epigrid.triage import views

app_name = "triage"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("visits/<int:visit_id>/", views.visit_detail, name="visit"),
    path("facilities/<int:facility_id>/", views.facility_day, name="facility"),
    path("facilities/<int:facility_id>/new/", views.visit_new, name="new"),
    path("facilities/<int:facility_id>/lookup/", views.person_lookup, name="lookup"),
]
