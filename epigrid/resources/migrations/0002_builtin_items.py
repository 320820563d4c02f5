"""The supplies of early-2020 practice, with planned use per person on duty per shift."""

from decimal import Decimal

from django.db import migrations

ITEMS = [
    # code, name, unit, category, use per person per shift, sort
    ("surgical-mask", "医用外科口罩", "只", "protective", Decimal("1"), 10),
    ("n95-mask", "N95口罩", "只", "protective", Decimal("0"), 20),
    ("protective-suit", "医用防护服", "套", "protective", Decimal("0"), 30),
    ("goggles", "护目镜", "副", "protective", Decimal("0"), 40),
    ("gloves", "医用手套", "副", "protective", Decimal("1"), 50),
    ("face-shield", "防护面屏", "个", "protective", Decimal("0"), 60),
    ("thermometer-ir", "红外额温枪", "把", "instrument", Decimal("0"), 70),
    ("thermometer", "水银体温计", "支", "instrument", Decimal("0"), 80),
    ("disinfectant-84", "84消毒液", "瓶", "disinfection", Decimal("0"), 90),
    ("hand-sanitizer", "免洗手消毒液", "瓶", "disinfection", Decimal("0"), 100),
    ("alcohol-75", "75%酒精", "瓶", "disinfection", Decimal("0"), 110),
]


def add(apps, schema_editor):
    SupplyItem = apps.get_model("resources", "SupplyItem")
    for code, name, unit, category, use, sort in ITEMS:
        SupplyItem.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "category": category, "use_per_shift": use, "sort": sort}
        )


def remove(apps, schema_editor):
    apps.get_model("resources", "SupplyItem").objects.filter(code__in=[i[0] for i in ITEMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
