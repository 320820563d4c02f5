from django.apps import AppConfig


class CheckpointsConfig(AppConfig):
    name = "epigrid.checkpoints"
    label = "checkpoints"
