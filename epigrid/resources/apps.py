from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "epigrid.resources"
    label = "resources"
