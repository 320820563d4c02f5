"""URL patterns of the report document under /reports/document/ (namespace "reports:document")."""

from __future__ import annotations

from django.urls import path

from epigrid.reports import document_views as views

app_name = "document"

urlpatterns = [
    path("", views.document_home, name="home"),
    path("<int:region_id>/<str:day>/", views.document_page, name="page"),
    path("<int:region_id>/<str:day>/save/", views.document_save, name="save"),
    path("<int:region_id>/<str:day>/issue/", views.document_issue, name="issue"),
    path("<int:region_id>/<str:day>/discard/", views.document_discard, name="discard"),
    path("<int:region_id>/<str:day>/docx/", views.document_docx, name="docx"),
]
