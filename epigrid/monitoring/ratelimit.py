"""A fixed-window counter per client address in Django's cache, for the public self-report page.

``allow(scope, address, limit, window)`` counts one request and tells whether it is within the limit
of its window. Each address has its own counter, so one busy address never blocks another.

The counter lives in the ``default`` cache. EpiGrid configures no cache, so that is Django's
process-local memory cache: with ``EPIGRID_WEB_WORKERS`` = N the effective limit per address is at
most N times ``limit`` (each worker counts on its own). That is enough to stop a script hammering the
page from one address without a shared store to run; a deployment that wants one exact limit sets a
shared cache (Redis, memcached or the database cache) and nothing here changes.
"""

from __future__ import annotations

import time

from django.core.cache import caches


def allow(scope: str, address: str, *, limit: int, window: int) -> bool:
    """Count one request from ``address``; return False when it is over ``limit`` in this window."""
    cache = caches["default"]
    bucket = int(time.time()) // window
    key = f"rl:{scope}:{address}:{bucket}"
    # add() is atomic in every Django cache backend: the first request of a window creates the counter.
    if cache.add(key, 1, timeout=window + 1):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window + 1)
        count = 1
    return count <= limit
