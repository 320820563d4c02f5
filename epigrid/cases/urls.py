"""URL patterns of the case pages under /cases/ (namespace "cases"), the chain pages included."""

from __future__ import annotations

from django.urls import path

from epigrid.cases import chain_urls, views

app_name = "cases"

urlpatterns = [
    path("", views.case_home, name="home"),
    path("regions/<int:region_id>/", views.case_list, name="list"),
    path("people/<int:person_id>/classify/", views.classify, name="classify"),
    path("people/<int:person_id>/measures/new/", views.measure_new, name="measure"),
    path("people/<int:person_id>/contacts/new/", views.contact_new, name="contact"),
    path("people/<int:person_id>/contacts/lookup/", views.contact_lookup, name="contact_lookup"),
    *chain_urls.urlpatterns,
]
