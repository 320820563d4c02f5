from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "epigrid.triage"
    label = "triage"
