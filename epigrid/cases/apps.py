from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "epigrid.cases"
    label = "cases"

    def ready(self) -> None:
        from epigrid.cases.services import follow_placement
        from epigrid.people.signals import person_chain_changed

        person_chain_changed.connect(follow_placement, dispatch_uid="cases.follow_placement")
