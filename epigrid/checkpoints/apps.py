from django.apps import AppConfig


class CheckpointsConfig(AppConfig):
    name = "epigrid.checkpoints"
    label = "checkpoints"

    def ready(self) -> None:
        from epigrid.checkpoints.timeline import passage_events
        from epigrid.monitoring.timeline import timeline_source_register

        timeline_source_register("checkpoints", passage_events)
