"""URL patterns of the supplies and facilities pages under /resources/ (namespace "resources")."""

from __future__ import annotations

from django.urls import path

from epigrid.resources import facility_urls, views

app_name = "resources"

urlpatterns = [
    path("", views.supplies_home, name="home"),
    path("regions/<int:region_id>/", views.overview, name="overview"),
    path("regions/<int:region_id>/open/", views.depot_open, name="depot_open"),
    path("depots/<int:depot_id>/", views.depot_page, name="depot"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:request_id>/close/", views.request_close_view, name="request_close"),
    path("allocation/<slug:item_code>/", views.allocation, name="allocation"),
]

# Hospitals, fever clinics and observation sites (epigrid.resources.facility_urls).
urlpatterns += facility_urls.urlpatterns
