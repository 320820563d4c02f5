"""Turn the dashboard's figures into what its pages show: tiles with a change and a link, map units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from epigrid.cases.models import Classification
from epigrid.dashboard.figures import KEY_FIGURES, Figures, KeyFigure
from epigrid.regions.models import Level, Region


@dataclass(frozen=True)
class Tile:
    key: str
    label: StrOrPromise
    unit: StrOrPromise
    value: int
    change: int
    # "bad", "good" or "" (no change, or a figure whose direction means nothing): the arrow's colour.
    tone: str
    href: str | None


def _with_query(url: str, **params: str) -> str:
    return f"{url}?{urlencode(params)}" if params else url


def tile_link(key: str, region: Region) -> str | None:
    """The list behind a key figure, for this region (None where no list exists at its level)."""
    pk = region.pk
    local = region.level <= Level.VILLAGE  # checkpoints and depots belong to villages and above
    cases = reverse("cases:list", args=[pk])
    links: dict[str, str | None] = {
        "people_screened": reverse("screenings:list", args=[pk]),
        "observation_total": reverse("monitoring:episodes", args=[pk]),
        "confirmed": _with_query(cases, classification=Classification.CONFIRMED),
        "suspected": _with_query(cases, classification=Classification.SUSPECTED),
        "fever": _with_query(cases, classification=Classification.FEVER_COMMUNITY),
        "close_contacts": _with_query(cases, classification=Classification.CLOSE_CONTACT),
        "alerts_open": reverse("monitoring:alerts"),
        "alerts_escalated": reverse("monitoring:alerts"),
        "checks_missed_today": reverse("monitoring:not_reported", args=[pk]),
        "reports_missing": reverse("reports:status", args=[pk])
        if region.level in (Level.DISTRICT, Level.TOWN)
        else None,
        "supplies_short": reverse("resources:overview", args=[pk]) if local else None,
        "checkpoint_people": reverse("checkpoints:list", args=[pk]) if local else None,
    }
    return links.get(key)


def _tone(figure: KeyFigure, change: int) -> str:
    if change == 0 or figure.worse == "none":
        return ""
    worse = change > 0 if figure.worse == "up" else change < 0
    return "bad" if worse else "good"


def tiles(figures: Figures, region: Region) -> list[Tile]:
    """One tile per key figure: the value now, its change since yesterday's cut-off, and its list."""
    result: list[Tile] = []
    for figure in KEY_FIGURES:
        if figure.key == "reports_missing" and not figures.units_reporting:
            continue  # a village or grid has no units reporting to it
        value = figures.now.get(figure.key, 0)
        change = value - figures.yesterday.get(figure.key, 0)
        result.append(
            Tile(
                key=figure.key,
                label=figure.label,
                unit=figure.unit,
                value=value,
                change=change,
                tone=_tone(figure, change),
                href=tile_link(figure.key, region),
            )
        )
    return result


def computed_at(figures: Figures) -> dt.datetime:
    return timezone.localtime(dt.datetime.fromisoformat(figures.computed_at))


def yesterday_cutoff(figures: Figures) -> dt.datetime:
    return timezone.localtime(dt.datetime.fromisoformat(figures.yesterday_cutoff))
