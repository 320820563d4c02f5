from django.urls import path

from epigrid.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("regions/<int:region_id>/", views.dashboard_page, name="region"),
    path("regions/<int:region_id>/map.svg", views.map_svg, name="map"),
    path("regions/<int:region_id>/wall/", views.wall_page, name="wall"),
    path("regions/<int:region_id>/rt/", views.rt_page, name="rt"),
]
