from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "epigrid.monitoring"
    label = "monitoring"
