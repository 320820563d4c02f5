from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "epigrid.clues"
    label = "clues"
