from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "epigrid.lists"
    label = "lists"
    verbose_name = "Department lists"
