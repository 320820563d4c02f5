"""The forms of DOMAIN.md as built-in templates, version 1 (epigrid/deptforms/builtin.py)."""

from __future__ import annotations

from django.db import migrations

from epigrid.deptforms.builtin import BUILTIN_FORMS

DEFINITION_KEYS = (
    "title", "department", "kind", "row_source", "columns", "filters", "grouping",
    "requires_identifiers", "note",
)  # fmt: skip


def ship(apps, schema_editor):  # type: ignore[no-untyped-def]
    FormTemplate = apps.get_model("deptforms", "FormTemplate")
    FormRevision = apps.get_model("deptforms", "FormRevision")
    for spec in BUILTIN_FORMS:
        if FormTemplate.objects.filter(name=spec["name"]).exists():
            continue
        definition = {key: spec[key] for key in DEFINITION_KEYS}
        form = FormTemplate.objects.create(name=spec["name"], builtin=True, version=1, **definition)
        FormRevision.objects.create(template=form, version=1, definition=definition)


def unship(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("deptforms", "FormTemplate").objects.filter(builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("deptforms", "0001_initial")]
    operations = [migrations.RunPython(ship, unship)]
