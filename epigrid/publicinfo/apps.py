from django.apps import AppConfig


class PublicinfoConfig(AppConfig):
    name = "epigrid.publicinfo"
    label = "publicinfo"
