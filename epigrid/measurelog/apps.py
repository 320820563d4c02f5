from django.apps import AppConfig


class MeasurelogConfig(AppConfig):
    name = "epigrid.measurelog"
    label = "measurelog"
