"""Reads of public information: snapshots (computed once per region and cut-off), bulletins, notices.

The public side reads nothing else: a page is one snapshot row, the published bulletins and the
notices of its region. The staff side lists drafts and notices of regions in the user's scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404

from epigrid.core.clock import now
from epigrid.core.models import User
from epigrid.publicinfo.figures import last_cutoff, public_figures_compute
from epigrid.publicinfo.models import Bulletin, PublicNotice, PublicSnapshot
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for

PUBLIC_LEVELS = (Level.DISTRICT, Level.TOWN)


def public_region(code: str) -> Region:
    """The district or town published under ``code`` (its division code), or 404."""
    region = Region.objects.filter(code=code[:32], level__in=PUBLIC_LEVELS).first()
    if region is None:
        raise Http404
    return region


def public_districts() -> list[Region]:
    return list(Region.objects.filter(level=Level.DISTRICT).order_by("code"))


def snapshot_get(region: Region, moment: dt.datetime | None = None) -> dict[str, Any]:
    """The region's public figures as of the last cut-off passed at ``moment``.

    Computed on the first request after a cut-off and stored; every later request of that day reads
    the row. Two first requests at once both compute; the second insert is dropped.
    """
    day, cutoff = last_cutoff(moment or now())
    row = PublicSnapshot.objects.filter(region=region, day=day).values_list("data", flat=True).first()
    if row is not None:
        return dict(row)
    data = public_figures_compute(region, day, cutoff)
    try:
        with transaction.atomic():
            PublicSnapshot.objects.create(region=region, day=day, cutoff=cutoff, data=data, computed_at=now())
    except IntegrityError:
        pass
    return data


def published_bulletins(region: Region, limit: int = 30) -> list[Bulletin]:
    return list(
        Bulletin.objects.filter(region=region, status=Bulletin.Status.PUBLISHED).order_by("-day")[:limit]
    )


def published_bulletin(region: Region, day: dt.date) -> Bulletin:
    bulletin = Bulletin.objects.filter(region=region, day=day, status=Bulletin.Status.PUBLISHED).first()
    if bulletin is None:
        raise Http404
    return bulletin


def active_notices(region: Region) -> list[PublicNotice]:
    """The region's notices and, for a town, its district's (hotlines of the district apply there too);
    hotlines first."""
    ids = [region.pk]
    if region.level == Level.TOWN and region.parent_id is not None:
        ids.append(region.parent_id)
    rows = PublicNotice.objects.filter(region_id__in=ids, active=True)
    return list(rows.order_by("-kind", "position", "id"))


def hotlines(region: Region) -> list[tuple[str, str]]:
    return [(n.title, n.phone) for n in active_notices(region) if n.kind == PublicNotice.Kind.HOTLINE]


def managed_region(*, user: User, region_id: int) -> Region:
    """A district or town in the user's scope whose public information the user may keep, or 404."""
    region = Region.objects.filter(pk=region_id, level__in=PUBLIC_LEVELS).first()
    if region is None or not scope_for(user).contains(region):
        raise Http404
    return region


def bulletins_of(region: Region) -> QuerySet[Bulletin]:
    return Bulletin.objects.filter(region=region).order_by("-day", "-id")


def bulletin_for_user(*, user: User, bulletin_id: int) -> Bulletin:
    bulletin = Bulletin.objects.select_related("region").filter(pk=bulletin_id).first()
    if bulletin is None or not scope_for(user).contains(bulletin.region):
        raise Http404
    return bulletin


def notices_of(region: Region) -> QuerySet[PublicNotice]:
    return PublicNotice.objects.filter(region=region).order_by("kind", "position", "id")


def notice_for_user(*, user: User, notice_id: int) -> PublicNotice:
    notice = PublicNotice.objects.select_related("region").filter(pk=notice_id).first()
    if notice is None or not scope_for(user).contains(notice.region):
        raise Http404
    return notice
