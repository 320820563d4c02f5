"""URL patterns of the risk pages under /risk/ (namespace "risk")."""

from __future__ import annotations

from django.urls import path

from epigrid.risk import views

app_name = "risk"

urlpatterns = [
    path("", views.risk_home, name="home"),
    path("<int:region_id>/", views.risk_region, name="region"),
    path("<int:region_id>/policies/", views.risk_policies, name="policies"),
]
