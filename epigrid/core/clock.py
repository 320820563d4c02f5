"""The one place that turns the clock into a local day (Asia/Shanghai unless configured)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """Return the current aware time."""
    return timezone.now()


def local_today() -> dt.date:
    """Return today's date in the configured time zone, not the server's or UTC's."""
    return timezone.localdate(timezone.now())
