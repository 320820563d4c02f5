"""Indexes for the "not reported" list of a town and for the alerts (docs/performance.md, issue 4).

- ``episode_town_started_idx`` (town, status, started_on, id) replaces (town, status): a town's open
  episodes started by a day are read from the index alone, in place of PostgreSQL walking the
  episode primary key and filtering the town.
- ``check_abnormal_grid_day_idx``: the current abnormal checks (fever or a symptom, not replaced) by
  (grid, day), about 1 % of the checks, which is all the alerts read.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_first_policy"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="episode",
            name="episode_town_status_idx",
        ),
        migrations.AddIndex(
            model_name="episode",
            index=models.Index(fields=["town", "status", "started_on", "id"], name="episode_town_started_idx"),
        ),
        migrations.AddIndex(
            model_name="healthcheck",
            index=models.Index(
                fields=["grid", "day"],
                condition=models.Q(("replaced_by__isnull", True))
                & (models.Q(("fever", True)) | ~models.Q(("symptoms", []))),
                name="check_abnormal_grid_day_idx",
            ),
        ),
    ]
