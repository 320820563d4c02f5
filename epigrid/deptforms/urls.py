"""URL patterns of the department forms under /forms/ (namespace "deptforms")."""

from __future__ import annotations

from django.urls import path

from epigrid.deptforms import views

app_name = "deptforms"

urlpatterns = [
    path("", views.form_list, name="list"),
    path("new/", views.form_new, name="new"),
    path("<slug:name>/", views.form_detail, name="detail"),
    path("<slug:name>/export/", views.form_export_view, name="export"),
    path("<slug:name>/edit/", views.form_edit, name="edit"),
]
