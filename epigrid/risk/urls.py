"""URL patterns of the risk pages (namespace "risk")."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "risk"

urlpatterns: list[URLPattern] = []
