from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "epigrid.volunteers"
    label = "volunteers"
