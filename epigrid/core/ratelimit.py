"""Fixed-window request counters per client address: one in the process, one shared by every process.

``allow(scope, address, limit, window)`` counts one request in this process's memory (Django's
``default`` cache, which EpiGrid leaves process-local) and answers at once, without a database round
trip. It guards paths where the answer must be cheap and a limit of N times ``limit`` across N web
workers is still a limit: requests with a token that opens nothing.

``count_shared(scope, counts, window)`` adds many addresses' requests to counters in the database
(``core.RateCount``) in one statement and returns each address's total for the window, the same
whichever web worker the requests reached. Self-report submissions use it inside the transaction that
writes them (``epigrid.monitoring.selfreport``), so the limit costs no extra commit. The rows of
windows that have ended are deleted once per window by the first process to see the next one.
"""

from __future__ import annotations

import time

from django.core.cache import caches
from django.db import connection

from epigrid.core.models import RateCount

# Windows kept after they end (a request that began in the previous window may still be counting).
KEEP_WINDOWS = 2

_last_swept: dict[tuple[str, int], int] = {}


def allow(scope: str, address: str, *, limit: int, window: int) -> bool:
    """Count one request from ``address`` in this process; False when it is over ``limit`` this window."""
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


def count_shared(scope: str, counts: dict[str, int], *, window: int) -> dict[str, int]:
    """Add ``counts`` (address -> requests) to this window's shared counters; return the new totals.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (PostgreSQL; SQLite 3.35 and later), addresses
    in sorted order so that concurrent callers lock the counter rows in the same order. Run it inside
    the caller's transaction: the counts then stand or fall with the requests they count.
    """
    if not counts:
        return {}
    bucket = int(time.time()) // window
    keys = sorted(counts)
    table = connection.ops.quote_name(RateCount._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(keys))
    params: list[str | int] = []
    for key in keys:
        params += [scope, key[:64], bucket, counts[key]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key, bucket, count) VALUES {rows} "  # noqa: S608 (our table)
            f"ON CONFLICT (scope, key, bucket) DO UPDATE SET count = {table}.count + excluded.count "
            "RETURNING key, count",
            params,
        )
        totals = {str(key): int(count) for key, count in cursor.fetchall()}
    sweep(scope, window, bucket)
    return {key: totals[key[:64]] for key in keys}


def sweep(scope: str, window: int, bucket: int) -> None:
    """Delete the counters of ended windows, once per window and process."""
    if _last_swept.get((scope, window)) == bucket:
        return
    _last_swept[(scope, window)] = bucket
    RateCount.objects.filter(scope=scope, bucket__lt=bucket - KEEP_WINDOWS).delete()
