"""Reading the risk pages' inputs: the day asked for and the new-version form, each error naming its field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils.translation import gettext as _

from epigrid.risk.services import FieldError, PolicyInput


class DayInvalid(ValueError):
    """The day asked for cannot be read, or lies after today; the message says which."""


def day_from(raw: str, today: dt.date) -> dt.date:
    """Return the day asked for (``YYYY-MM-DD``; today when blank)."""
    if not raw:
        return today
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise DayInvalid(_("日期：格式应为年-月-日，如2020-02-20")) from None
    if day > today:
        raise DayInvalid(_("日期：不能晚于今天"))
    return day


def _int(data: Mapping[str, str], field: str, label: str, errors: list[FieldError]) -> int | None:
    raw = data.get(field, "").strip()
    if not raw:
        return None  # the service names the missing field
    try:
        return int(raw)
    except ValueError:
        errors.append(FieldError(field, _("%(label)s：请填写整数") % {"label": label}))
        return None


def policy_input_from(data: Mapping[str, str]) -> tuple[PolicyInput, list[FieldError]]:
    """Read the form; errors of form (not a number, not a date) come back, the rules are the service's."""
    errors: list[FieldError] = []
    effective: dt.date | None = None
    raw_day = data.get("effective_from", "").strip()
    if raw_day:
        try:
            effective = dt.date.fromisoformat(raw_day)
        except ValueError:
            errors.append(FieldError("effective_from", _("生效日期：格式应为年-月-日，如2020-02-20")))
    window = _int(data, "window_days", _("统计天数"), errors)
    limit = _int(data, "medium_max_cumulative", _("中风险累计确诊上限"), errors)
    cluster = _int(data, "cluster_min_cases", _("聚集性疫情最少病例数"), errors)
    return (
        PolicyInput(
            name=data.get("name", ""),
            effective_from=effective,
            window_days=window,
            medium_max_cumulative=limit,
            high_requires_cluster=data.get("high_requires_cluster", "") in ("on", "true", "1"),
            cluster_min_cases=cluster,
            note=data.get("note", ""),
            idempotency_key=data.get("key", "")[:64],
        ),
        errors,
    )
