"""Fever-clinic pre-triage (预检分诊): people with fever seen at fever clinics and township fever rooms."""
