from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "epigrid.privacy"
    label = "privacy"
