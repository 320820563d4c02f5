"""URL patterns of the clues pages under /clues/ (namespace "clues")."""

from __future__ import annotations

from django.urls import path

from epigrid.clues import public_views, views

app_name = "clues"

urlpatterns = [
    path("", views.clue_list, name="list"),
    path("new/", views.clue_new, name="new"),
    path("<int:clue_id>/", views.clue_detail, name="detail"),
    path("entries/", views.entry_list, name="entries"),
    path("entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path("links/", views.link_list, name="links"),
    path("links/<int:link_id>/revoke/", views.link_revoke_view, name="link_revoke"),
    path("p/<str:token>/", public_views.community_page, name="community"),
]
