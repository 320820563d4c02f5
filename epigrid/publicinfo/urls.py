"""URL patterns of public information (namespace "publicinfo"): the public pages and the staff's."""

from __future__ import annotations

from django.urls import path

from epigrid.publicinfo import public_views, views

app_name = "publicinfo"

urlpatterns = [
    path("", public_views.public_index, name="index"),
    path("manage/", views.manage_home, name="manage_home"),
    path("manage/<int:region_id>/", views.manage, name="manage"),
    path("manage/<int:region_id>/bulletins/new/", views.bulletin_new, name="bulletin_new"),
    path("manage/bulletins/<int:bulletin_id>/", views.bulletin_edit_view, name="bulletin_edit"),
    path("manage/<int:region_id>/notices/new/", views.notice_edit_view, name="notice_new"),
    path("manage/<int:region_id>/notices/<int:notice_id>/", views.notice_edit_view, name="notice_edit"),
    path("<str:code>/", public_views.public_page, name="page"),
    path("<str:code>/feed.json", public_views.public_feed, name="feed"),
    path("<str:code>/bulletins/", public_views.public_bulletins, name="bulletins"),
    path("<str:code>/bulletins/<str:day>/", public_views.public_bulletin, name="bulletin"),
]
