"""A group of self-report submissions written by one PostgreSQL statement: one round trip, one commit.

``selfreport.record_batch`` writes a group in a transaction of six to eight statements; on a busy host
each round trip waits for the database process to be scheduled, and those waits, not the work, bound
the rate. On PostgreSQL the same steps run as the parts of one statement (data-modifying ``WITH``
queries), in autocommit when no transaction is open, so a group costs one round trip:

1. ``counted``: add the group's submissions to the shared per-address counters (``core.RateCount``);
   ``allowed`` keeps, per address, the earliest submissions still within the limit.
2. ``locked``: lock the episodes (``FOR UPDATE``, by id) whose status is open and whose link is live.
3. ``ok``: number the new checks from the table's sequence before they exist, so that
4. ``retired``: the slots' current checks point at their replacements at once (the foreign key is
   checked at commit, when the new rows are there) — no second update of the same rows;
5. ``inserted``: the new checks, written only after every retirement has run (the ``count(*)`` of
   ``retired`` is an init plan, evaluated before the first row), so the partial unique index sees one
   current check per slot;
6. ``audited`` and ``touched``: the audit events and the links' last use, as ``record_batch`` writes
   them.

The statement sees the rows committed when it began. If another process wrote a check for one of the
group's slots after that (it held the episode's lock first, and this statement waited for it), the
statement cannot see that check to retire it, and its insert breaks the one-current-check index:
nothing is written (``IntegrityError``), and ``record_batch`` writes the turn again the slower way,
locking first and reading after. Only two processes writing the same person's slot at the same
instant meet this. Every submission of the group must be for a different slot
(``record_batch`` splits repeats of a slot into turns). Tests run both writers on the same cases
(tests/monitoring/test_selfreport_groups.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import psycopg
from django.db import connection, transaction

from epigrid.core.audit import valid_ip
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, RateCount
from epigrid.core.ratelimit import sweep
from epigrid.monitoring.checks import LAST_USED_RESOLUTION, link_stale
from epigrid.monitoring.models import Episode, HealthCheck, ReportLink

if TYPE_CHECKING:
    from epigrid.monitoring.selfreport import Submission

_sql: str | None = None


def _statement() -> str:
    """The statement, with this database's table and sequence names (built once per process)."""
    global _sql
    if _sql is None:
        q = connection.ops.quote_name
        checks = q(HealthCheck._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [HealthCheck._meta.db_table])
            (sequence,) = cursor.fetchone() or ("",)
        _sql = f"""
WITH i AS (
    SELECT * FROM unnest(
        %(n)s::int[], %(link)s::bigint[], %(episode)s::bigint[], %(person)s::bigint[], %(grid)s::bigint[],
        %(day)s::date[], %(slot)s::text[], %(temperature)s::numeric[], %(symptoms)s::text[],
        %(went_out)s::boolean[], %(fever)s::boolean[], %(recorded_at)s::timestamptz[], %(address)s::text[],
        %(ip)s::inet[]
    ) AS t(n, link_id, episode_id, person_id, grid_id, day, slot, temperature, symptoms, went_out, fever,
           recorded_at, address, ip)
),
counted AS (
    INSERT INTO {q(RateCount._meta.db_table)} AS r (scope, key, bucket, count)
    SELECT %(scope)s, address, %(bucket)s, count(*) FROM i GROUP BY address ORDER BY address
    ON CONFLICT (scope, key, bucket) DO UPDATE SET count = r.count + excluded.count
    RETURNING key, count
),
ranked AS (
    SELECT i.*, row_number() OVER (PARTITION BY i.address ORDER BY i.n) AS turn,
           count(*) OVER (PARTITION BY i.address) AS here, c.count AS total
    FROM i JOIN counted c ON c.key = i.address
),
allowed AS (SELECT * FROM ranked WHERE turn <= %(limit)s - (total - here)),
locked AS (
    SELECT e.id AS episode_id, l.id AS link_id
    FROM {q(Episode._meta.db_table)} e JOIN {q(ReportLink._meta.db_table)} l ON l.episode_id = e.id
    WHERE e.id IN (SELECT episode_id FROM allowed) AND l.id IN (SELECT link_id FROM allowed)
      AND e.status = %(open)s AND l.revoked_at IS NULL
    ORDER BY e.id
    FOR UPDATE OF e
),
ok AS MATERIALIZED (
    SELECT s.*, nextval('{sequence}') AS new_id
    FROM (SELECT a.* FROM allowed a JOIN locked USING (episode_id, link_id) ORDER BY a.n) s
),
retired AS (
    UPDATE {checks} h SET replaced_by_id = ok.new_id FROM ok
    WHERE h.episode_id = ok.episode_id AND h.day = ok.day AND h.slot = ok.slot AND h.replaced_by_id IS NULL
    RETURNING h.id AS old_id, ok.n
),
inserted AS (
    INSERT INTO {checks} (id, episode_id, person_id, grid_id, day, slot, temperature, symptoms, went_out,
                          fever, channel, recorded_by_id, recorded_at, entered_at, replaced_by_id)
    SELECT new_id, episode_id, person_id, grid_id, day, slot, temperature, symptoms::jsonb, went_out, fever,
           %(channel)s, NULL, recorded_at, now(), NULL
    FROM ok WHERE (SELECT count(*) FROM retired) >= 0
    RETURNING id
),
audited AS (
    INSERT INTO {q(AuditEvent._meta.db_table)}
        (at, user_id, username, action, object_type, object_id, region_path, detail, ip)
    SELECT now(), NULL, '', %(action)s, 'health_check', ok.new_id::text, '',
           jsonb_build_object('episode', ok.episode_id, 'person', ok.person_id,
                              'day', to_char(ok.day, 'YYYY-MM-DD'), 'slot', ok.slot, 'channel', %(channel)s,
                              'replaced', retired.old_id, 'link', ok.link_id),
           ok.ip
    FROM ok LEFT JOIN retired USING (n)
    ORDER BY ok.n
),
touched AS (
    UPDATE {q(ReportLink._meta.db_table)} SET last_used_at = now()
    WHERE id IN (SELECT link_id FROM ok)
      AND (last_used_at IS NULL OR last_used_at < now() - %(resolution)s::interval)
)
SELECT i.n, allowed.n IS NOT NULL, ok.new_id, retired.old_id
FROM i LEFT JOIN allowed USING (n) LEFT JOIN ok USING (n) LEFT JOIN retired USING (n)
ORDER BY i.n
"""  # noqa: S608 (names come from our models and the catalogue)
    return _sql


def _execute(params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run the statement as a prepared statement of this connection (planned once: planning it cost
    as much as running it), with the parameters bound on the server."""
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        if connection.in_atomic_block:  # inside a caller's transaction: a savepoint to fall back from
            with transaction.atomic(), psycopg.Cursor(raw) as cursor:
                cursor.execute(_statement(), params, prepare=True)
                rows: list[tuple[Any, ...]] = cursor.fetchall()
                return rows
        with psycopg.Cursor(raw) as cursor:  # autocommit: the statement is its own transaction
            cursor.execute(_statement(), params, prepare=True)
            rows = cursor.fetchall()
            return rows


def record_turn(submissions: Sequence[Submission], *, scope: str, window: int, limit: int) -> None:
    """Write submissions for distinct slots in one statement; each gets its ``check`` or ``refused``."""
    from epigrid.monitoring.selfreport import CLOSED, LIMITED

    bucket = int(time.time()) // window
    params: dict[str, Any] = {
        "n": list(range(len(submissions))),
        "link": [s.link.pk for s in submissions],
        "episode": [s.link.episode_id for s in submissions],
        "person": [s.link.episode.person_id for s in submissions],
        "grid": [s.link.episode.grid_id for s in submissions],
        "day": [s.day for s in submissions],
        "slot": [s.slot for s in submissions],
        "temperature": [s.temperature for s in submissions],
        "symptoms": [json.dumps(s.symptoms) for s in submissions],
        "went_out": [s.went_out for s in submissions],
        "fever": [s.link.episode.policy.is_fever(s.temperature) for s in submissions],
        "recorded_at": [s.recorded_at for s in submissions],
        "address": [s.address[:64] for s in submissions],
        "ip": [valid_ip(s.address) for s in submissions],
        "scope": scope,
        "bucket": bucket,
        "limit": limit,
        "open": Episode.Status.OPEN.value,
        "channel": HealthCheck.Channel.SELF.value,
        "action": AuditEvent.Action.CREATE.value,
        "resolution": f"{int(LAST_USED_RESOLUTION.total_seconds())} seconds",
    }
    rows = _execute(params)
    stamp = now()
    for n, allowed, new_id, _old_id in rows:
        s = submissions[n]
        if not allowed:
            s.refused = LIMITED
        elif new_id is None:
            s.refused = CLOSED
        else:
            s.check = HealthCheck(
                pk=new_id, episode_id=s.link.episode_id, person_id=s.link.episode.person_id,
                grid_id=s.link.episode.grid_id, day=s.day, slot=s.slot, temperature=s.temperature,
                symptoms=s.symptoms, went_out=s.went_out, fever=params["fever"][n],
                channel=HealthCheck.Channel.SELF, recorded_at=s.recorded_at, entered_at=stamp,
            )  # fmt: skip
            if link_stale(s.link, stamp):  # the statement noted the use: so does this process's copy
                s.link.last_used_at = stamp
    sweep(scope, window, bucket)
