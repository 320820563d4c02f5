"""URL patterns of the transmission chain pages, included by ``epigrid.cases.urls`` (namespace "cases")."""

from __future__ import annotations

from django.urls import path

from epigrid.cases import chain_views

urlpatterns = [
    path("clusters/", chain_views.cluster_list, name="clusters"),
    # A cluster's id is its index case's person id; any member's id redirects there.
    path("clusters/<int:person_id>/", chain_views.cluster_detail, name="cluster"),
    path("persons/<int:person_id>/contacts/", chain_views.contact_hops, name="contact_hops"),
]
