from django.urls import include, path

from epigrid.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_home, name="home"),
    path("units/<int:region_id>/", views.unit_page, name="unit"),
    path("submissions/<int:report_id>/", views.report_detail, name="detail"),
    path("regions/<int:region_id>/status/", views.status_page, name="status"),
    path("regions/<int:region_id>/completeness/", views.completeness_page, name="completeness"),
    path("regions/<int:region_id>/indicators/", views.indicators_page, name="indicators"),
    path("document/", include("epigrid.reports.document_urls")),
]
