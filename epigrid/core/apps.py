from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "epigrid.core"
    label = "core"
    verbose_name = "EpiGrid"
