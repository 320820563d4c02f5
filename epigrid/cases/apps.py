from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "epigrid.cases"
    label = "cases"
