from django.apps import AppConfig


class DeptFormsConfig(AppConfig):
    name = "epigrid.deptforms"
    label = "deptforms"
