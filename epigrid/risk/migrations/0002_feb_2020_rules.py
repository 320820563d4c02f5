"""The February 2020 rules as national version 1: 14 days; medium up to 50 cases; high above 50 with a
cluster (DOMAIN.md, "Risk zones")."""

from __future__ import annotations

import datetime as dt

from django.db import migrations


def feb_2020(apps, schema_editor):  # type: ignore[no-untyped-def]
    RiskPolicy = apps.get_model("risk", "RiskPolicy")
    if RiskPolicy.objects.filter(district__isnull=True).exists():
        return
    RiskPolicy.objects.create(
        district=None,
        version=1,
        name="2020年2月分区分级标准（以县区为单位，14天）",
        effective_from=dt.date(2020, 2, 1),
        window_days=14,
        medium_max_cumulative=50,
        high_requires_cluster=True,
        cluster_min_cases=2,
        note=(
            "低风险：14天内无新增确诊病例；中风险：14天内有新增确诊病例，累计确诊病例不超过50例；"
            "高风险：累计确诊病例超过50例，14天内有聚集性疫情。"
            "累计超过50例、有新增但无聚集性疫情的，标准未作规定，本系统按中风险处理。"
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]
    operations = [migrations.RunPython(feb_2020, migrations.RunPython.noop)]
