from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "epigrid.dashboard"
    label = "dashboard"
