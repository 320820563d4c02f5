from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "epigrid.followups"
    label = "followups"
