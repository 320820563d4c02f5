"""Turn indicator values and measure counts into what the pages show: labelled groups, lines, rates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from epigrid.reports.indicators import GROUP_LABELS, INDICATORS, Indicator
from epigrid.reports.models import MEASURE_KINDS, MEASURE_UNITS
from epigrid.reports.selectors import Cell

# The columns of a region's table of its children: the town daily table's (温州鹿城 2020-02-03) and the
# district header's (湖北返回人数, 已管控, 未管控), plus the day's movements.
TABLE_KEYS: tuple[str, ...] = (
    "confirmed",
    "suspected",
    "fever_hospital",
    "fever_community",
    "close_contacts",
    "home_observation",
    "centralized_observation",
    "new_observation_today",
    "released_today",
    "returnees_outbreak",
    "controlled",
    "not_controlled",
)


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    value: int

    @property
    def label(self) -> str:
        return str(self.indicator.label)

    @property
    def unit(self) -> str:
        return _(self.indicator.unit)


@dataclass(frozen=True)
class FigureGroup:
    key: str
    label: str
    figures: list[Figure]


def figure_groups(values: Mapping[str, object]) -> list[FigureGroup]:
    """Group the figures present in ``values`` by their indicator group, in display order.

    Keys a snapshot holds that are no longer indicators are skipped (an old report stays readable).
    """
    groups: dict[str, list[Figure]] = {}
    for key, indicator in INDICATORS.items():
        value = values.get(key)
        if isinstance(value, int):
            groups.setdefault(indicator.group, []).append(Figure(indicator, value))
    return [FigureGroup(key, str(GROUP_LABELS[key]), figures) for key, figures in groups.items()]


@dataclass(frozen=True)
class MeasureLine:
    kind: str
    label: str
    count: int
    unit: str


def measure_lines(measures: Mapping[str, object]) -> list[MeasureLine]:
    """Return the measures counted in a report, in the order of ``MEASURE_KINDS``."""
    return [
        MeasureLine(kind, str(label), int(str(measures[kind])), str(MEASURE_UNITS[kind]))
        for kind, label in MEASURE_KINDS.items()
        if measures.get(kind)
    ]


_SYMBOL = {"on_time": "✓", "late": "!", "missing": "✗", "pending": "…"}


def completeness_cells(cells: Sequence[Cell], detail_base: str) -> SafeString:
    """Render a unit's row of day cells at once (a month of 48 towns is 1,440 cells).

    Only numbers, fixed status words and formatted times go in, nothing a user typed, so the
    string is safe as built; the template would spend most of the page's time on these cells.
    """
    parts = []
    for c in cells:
        if c.report_id:
            at = timezone.localtime(c.submitted_at).strftime("%m-%d %H:%M") if c.submitted_at else ""
            mark = "0" if c.zero else _SYMBOL[c.status]
            inner = f'<a href="{detail_base}{int(c.report_id)}/" title="{at}">{mark}</a>'
        else:
            inner = _SYMBOL[c.status]
        parts.append(f'<td class="cell c-{c.status}">{inner}</td>')
    return mark_safe("".join(parts))  # noqa: S308 (numbers and fixed words only, see above)


def table_columns() -> list[Indicator]:
    return [INDICATORS[key] for key in TABLE_KEYS]


def percent(rate: float | None) -> str:
    """Format a rate as "95.2%"; an empty period shows a dash."""
    return "—" if rate is None else f"{rate * 100:.1f}%"
