"""URL patterns of the publicinfo pages (namespace "publicinfo")."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "publicinfo"

urlpatterns: list[URLPattern] = []
