from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "epigrid.risk"
    label = "risk"
