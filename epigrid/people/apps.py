from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "epigrid.people"
    label = "people"
