"""URL patterns of the hospitals, fever clinics and observation sites pages (included under /resources/)."""

from __future__ import annotations

from django.urls import path

from epigrid.resources import facility_views as views

urlpatterns = [
    path("facilities/", views.facilities, name="facilities"),
    path("facilities/new/", views.facility_new, name="facility_new"),
    path("facilities/<int:facility_id>/", views.facility_edit, name="facility_edit"),
    path("facilities/<int:facility_id>/occupancy/", views.facility_occupancy_view, name="facility_occupancy"),
    path("sites/", views.sites, name="sites"),
    path("sites/<int:site_id>/", views.site_detail, name="site_detail"),
    path("sites/<int:site_id>/rooms/", views.site_rooms, name="site_rooms"),
]
