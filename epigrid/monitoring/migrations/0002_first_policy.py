"""The 2020 protocol as version 1: 14 days, morning and evening checks, fever at 37.3 °C or above."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import migrations


def first_policy(apps, schema_editor):  # type: ignore[no-untyped-def]
    Policy = apps.get_model("monitoring", "Policy")
    if Policy.objects.exists():
        return
    Policy.objects.create(
        version=1,
        name="2020年第一版（居家医学观察14天，早晚两次测温）",
        effective_from=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        observation_days=14,
        slots=[
            {"key": "am", "label": "上午", "deadline": "12:00"},
            {"key": "pm", "label": "下午", "deadline": "20:00"},
        ],
        fever_threshold=Decimal("37.3"),
        fever_comparator=">=",
        symptoms=["fever", "cough", "fatigue", "sore_throat", "short_breath", "diarrhoea", "smell_taste"],
        escalate_minutes=30,
    )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(first_policy, migrations.RunPython.noop)]
