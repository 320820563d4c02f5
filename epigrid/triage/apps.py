"""Fever-clinic pre-triage (预检分诊): people with fever seen at fever clinics and township fever rooms."""

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "epigrid.triage"
    label = "triage"

    def ready(self) -> None:
        from epigrid.monitoring.timeline import timeline_source_register
        from epigrid.people.signals import person_chain_changed
        from epigrid.triage.services import follow_placement
        from epigrid.triage.timeline import fever_visit_events

        timeline_source_register("triage", fever_visit_events)
        person_chain_changed.connect(follow_placement, dispatch_uid="triage.follow_placement")
