"""URL patterns of the measures log under /measures/ (namespace "measurelog")."""

from __future__ import annotations

from django.urls import path

from epigrid.measurelog import sealed_views, views

app_name = "measurelog"

urlpatterns = [
    path("", views.home, name="home"),
    path("units/<int:region_id>/", views.unit_page, name="unit"),
    path("entries/<int:measure_id>/", views.entry_page, name="entry"),
    path("regions/<int:region_id>/", views.table_page, name="table"),
    path("regions/<int:region_id>/sealed/", sealed_views.sealed_page, name="sealed"),
    path("sealed/<int:compound_id>/reopen/", sealed_views.sealed_reopen, name="sealed_reopen"),
]
