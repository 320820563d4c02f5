"""Writes of the risk app: a district HQ adds a version of the risk rules (never edits one).

A version may take effect today or later, never earlier, and never before the latest version the
district already follows: a level once published stays what it was (``selectors.policy_for``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from epigrid.core.clock import local_today
from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.risk.models import RiskPolicy
from epigrid.risk.selectors import policies_for_district

WINDOW_MAX = 60
CUMULATIVE_MAX = 1_000_000
CLUSTER_MAX = 100


@dataclass(frozen=True)
class FieldError:
    field: str  # a model field name; "" for the whole submission
    message: str


class PolicyInvalid(Exception):
    """Nothing was saved; ``errors`` name each wrong field (never a person: there is none here)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class PolicyInput:
    name: str
    effective_from: dt.date | None
    window_days: int | None = 14
    medium_max_cumulative: int | None = 50
    high_requires_cluster: bool = True
    cluster_min_cases: int | None = 2
    note: str = ""
    idempotency_key: str = ""


@dataclass(frozen=True)
class PolicyResult:
    policy: RiskPolicy
    created: bool


def may_add_policy(user: User, district: Region) -> bool:
    """Tell whether ``user`` may add a version for ``district``: its HQ (or a region manager) in scope."""
    allowed = user.caps.manage_regions or user.role == Role.DISTRICT_HQ
    return bool(allowed and district.level == Level.DISTRICT and scope_for(user).contains(district))


def _between(value: int | None, field: str, label: str, low: int, high: int) -> list[FieldError]:
    if value is None:
        return [FieldError(field, _("%(label)s：请填写") % {"label": label})]
    if not low <= value <= high:
        return [
            FieldError(
                field, _("%(label)s：应在%(low)d到%(high)d之间") % {"label": label, "low": low, "high": high}
            )
        ]
    return []


def policy_errors(*, district: Region, data: PolicyInput, today: dt.date) -> list[FieldError]:
    errors: list[FieldError] = []
    name = data.name.strip()
    if not name:
        errors.append(FieldError("name", _("名称：请填写")))
    elif len(name) > 100:
        errors.append(FieldError("name", _("名称：不能超过100个字")))
    if data.effective_from is None:
        errors.append(FieldError("effective_from", _("生效日期：请填写")))
    elif data.effective_from < today:
        errors.append(FieldError("effective_from", _("生效日期：不能早于今天，新版本不改写已公布的风险等级")))
    else:
        versions = policies_for_district(district_id=district.pk)
        latest = versions[0] if versions else None
        if latest is not None and data.effective_from < latest.effective_from:
            errors.append(
                FieldError(
                    "effective_from",
                    _("生效日期：不能早于最新版本（第%(version)d版）的生效日期%(day)s")
                    % {"version": latest.version, "day": latest.effective_from.isoformat()},
                )
            )
    errors += _between(data.window_days, "window_days", _("统计天数"), 1, WINDOW_MAX)
    errors += _between(
        data.medium_max_cumulative, "medium_max_cumulative", _("中风险累计确诊上限"), 0, CUMULATIVE_MAX
    )
    errors += _between(data.cluster_min_cases, "cluster_min_cases", _("聚集性疫情最少病例数"), 2, CLUSTER_MAX)
    if len(data.note) > 1000:
        errors.append(FieldError("note", _("说明：不能超过1000个字")))
    if len(data.idempotency_key) > 64:
        errors.append(FieldError("idempotency_key", _("幂等键：不能超过64个字符")))
    return errors


def risk_policy_add(*, actor: User, district: Region, data: PolicyInput) -> PolicyResult:
    """Add the district's next version of the risk rules; the same ``idempotency_key`` again returns
    the version it added (``created`` False). Raises ``PermissionDenied`` or ``PolicyInvalid``."""
    if not may_add_policy(actor, district):
        raise PermissionDenied(_("只有区指挥部可以修改风险等级规则"))
    if data.idempotency_key:
        earlier = RiskPolicy.objects.filter(created_by=actor, idempotency_key=data.idempotency_key).first()
        if earlier is not None:
            return PolicyResult(earlier, created=False)
    errors = policy_errors(district=district, data=data, today=local_today())
    if errors:
        raise PolicyInvalid(errors)
    effective, window = data.effective_from, data.window_days
    limit, cluster = data.medium_max_cumulative, data.cluster_min_cases
    if effective is None or window is None or limit is None or cluster is None:  # pragma: no cover
        raise PolicyInvalid(errors)  # unreachable: policy_errors names each missing field
    try:
        with transaction.atomic():
            top = max((p.version for p in policies_for_district(district_id=district.pk)), default=0)
            policy = RiskPolicy.objects.create(
                district=district,
                version=top + 1,
                name=data.name.strip(),
                effective_from=effective,
                window_days=window,
                medium_max_cumulative=limit,
                high_requires_cluster=data.high_requires_cluster,
                cluster_min_cases=cluster,
                note=data.note.strip(),
                created_by=actor,
                idempotency_key=data.idempotency_key,
            )
    except IntegrityError:
        # Another HQ user added a version at the same moment (or the same key raced): nothing saved.
        raise PolicyInvalid([FieldError("", _("有人同时提交了新版本，请刷新后重试"))]) from None
    return PolicyResult(policy, created=True)
