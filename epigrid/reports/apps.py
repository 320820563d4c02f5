from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "epigrid.reports"
    label = "reports"
    verbose_name = "报告"
