from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "epigrid.regions"
    label = "regions"
