from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "epigrid.clues"
    label = "clues"

    def ready(self) -> None:
        from epigrid.clues.timeline import resident_entry_events
        from epigrid.monitoring.timeline import timeline_source_register

        timeline_source_register("clues", resident_entry_events)
