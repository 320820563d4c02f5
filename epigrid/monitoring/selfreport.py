"""Self-report submissions, written in groups: one transaction and one commit for the requests that
arrive together.

A submission is validated in its request's thread (``submission_prepare``: the link is resolved, the
reading checked under the episode's policy) and handed to ``submit``. The first request thread of a
process that finds no write in progress becomes the writer: it takes every submission queued so far,
its own included, and records them in one transaction (``record_batch``); the threads whose
submissions it took wait for it and then answer their phones. Submissions that arrive while a group is
being written form the next group, written by the first of their threads to wake. With one request at a
time (tests, a quiet evening) a group is that one submission and nothing waits; under load a commit,
the costliest part of a submission, is shared by the group. Every phone is answered after its check is
durable, as before.

What a group costs, whatever its size: count the submissions per client address in the shared rate
counter (``core.ratelimit.count_shared``; over the limit, refused), lock the episodes (sorted, so two
groups never wait on each other in a circle) while checking that each is still open and its link not
revoked, retire the slots' current checks, insert the new ones, point the old at the new
(``checks.checks_write``), write the audit events in one insert, note the links' use, commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from epigrid.core.audit import audit_insert
from epigrid.core.models import AuditEvent
from epigrid.core.ratelimit import count_shared
from epigrid.monitoring.checks import (
    check_audit_detail,
    check_validate,
    check_values,
    checks_write,
    link_resolve,
    links_touch,
    token_digest,
)
from epigrid.monitoring.models import Episode, HealthCheck, ReportLink
from epigrid.monitoring.selfreport_pg import record_turn

logger = logging.getLogger(__name__)

# Per client address: a household behind one carrier NAT shares an address, so the limit is generous
# for people and small for a script. Counted across every web worker (``count_shared``).
SUBMIT_LIMIT = 30
SUBMIT_WINDOW = 60  # seconds
RATE_SCOPE = "selfreport-post"

# Links this process has resolved for submissions, by token digest, kept a minute: a submission needs
# no lookup before its group is written, where the link and its episode are checked again under the
# lock (a link revoked or an episode closed meanwhile is refused then, and forgotten here).
LINK_KEEP_SECONDS = 60.0
LINK_KEEP_MAX = 50_000

LIMITED = "limited"  # over the address's limit this window
CLOSED = "closed"  # the episode closed or the link was revoked since the page was opened


@dataclass(eq=False)
class Submission:
    """One phone's report on its way to the database, and what became of it."""

    link: ReportLink
    day: dt.date
    slot: str
    temperature: Decimal | None
    symptoms: list[str]
    went_out: bool
    recorded_at: dt.datetime
    address: str
    check: HealthCheck | None = None
    refused: str = ""
    error: BaseException | None = None
    done: bool = field(default=False, repr=False)
    wake: threading.Event = field(default_factory=threading.Event, repr=False)


_links: dict[str, tuple[float, ReportLink]] = {}


def link_for_submission(token: str) -> ReportLink | None:
    """The live link of ``token`` for a submission: this process's recent copy, or ``link_resolve``."""
    digest = token_digest(token)
    kept = _links.get(digest)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    link = link_resolve(token)
    if link is None:
        _links.pop(digest, None)
        return None
    if len(_links) >= LINK_KEEP_MAX:
        _links.clear()
    _links[digest] = (time.monotonic() + LINK_KEEP_SECONDS, link)
    return link


def link_forget(token: str) -> None:
    """Drop this process's copy of a link found revoked or closed."""
    _links.pop(token_digest(token), None)


def submission_prepare(
    link: ReportLink, *, slot: str, temperature: Decimal | None, symptoms: Sequence[str], went_out: bool,
    address: str, moment: dt.datetime,
) -> Submission:  # fmt: skip
    """Validate a reading for the link's episode (``CheckInvalid`` lists every problem)."""
    episode = link.episode
    day = timezone.localdate(moment)
    clean = check_validate(
        episode=episode, day=day, slot=slot, temperature=temperature, symptoms=symptoms,
        channel=HealthCheck.Channel.SELF, recorded_at=moment,
    )  # fmt: skip
    return Submission(
        link=link, day=day, slot=slot, temperature=temperature, symptoms=clean, went_out=went_out,
        recorded_at=moment, address=address,
    )  # fmt: skip


def record_batch(submissions: Sequence[Submission]) -> None:
    """Write a group of submissions; each gets its ``check`` or ``refused``.

    On PostgreSQL one statement per turn (``selfreport_pg``: a turn holds each slot once, a repeat of
    a slot in the same group goes in the next turn), or the transaction below when that statement met
    another process's write of the same slot; elsewhere one transaction for the group.
    """
    if connection.vendor != "postgresql":
        _record_in_transaction(submissions)
        return
    for turn in _turns(submissions):
        try:
            record_turn(turn, scope=RATE_SCOPE, window=SUBMIT_WINDOW, limit=SUBMIT_LIMIT)
        except IntegrityError:  # another process wrote one of these slots meanwhile (see selfreport_pg)
            for s in turn:
                s.check, s.refused = None, ""
            _record_in_transaction(turn)


def _record_in_transaction(submissions: Sequence[Submission]) -> None:
    """Count, lock, then write the group with statements that each see what committed before them."""
    with transaction.atomic():
        allowed = _within_limit(submissions)
        live = _still_open(allowed)
        for s in allowed:
            if s not in live:
                s.refused = CLOSED
        if not live:
            return
        written = checks_write(
            [
                check_values(
                    episode=s.link.episode,
                    day=s.day,
                    slot=s.slot,
                    temperature=s.temperature,
                    symptoms=s.symptoms,
                    went_out=s.went_out,
                    channel=HealthCheck.Channel.SELF,
                    recorded_by=None,
                    recorded_at=s.recorded_at,
                )
                for s in live
            ]
        )
        events = []
        for s, (check, replaced) in zip(live, written, strict=True):
            s.check = check
            events.append(
                AuditEvent(
                    action=AuditEvent.Action.CREATE,
                    object_type="health_check",
                    object_id=str(check.pk),
                    detail=check_audit_detail(check, replaced, s.link),
                    ip=s.address or None,
                )
            )
        audit_insert(events)
        links_touch([s.link for s in live])


def _turns(submissions: Sequence[Submission]) -> list[list[Submission]]:
    """Split a group so that no turn holds two submissions for one slot, keeping the arrival order."""
    turns: list[list[Submission]] = []
    seen: dict[tuple[int, dt.date, str], int] = {}
    for s in submissions:
        key = (s.link.episode_id, s.day, s.slot)
        turn = seen.get(key, 0)
        seen[key] = turn + 1
        if turn == len(turns):
            turns.append([])
        turns[turn].append(s)
    return turns


def _within_limit(submissions: Sequence[Submission]) -> list[Submission]:
    """Count every submission against its address; refuse those past the limit (the latest ones)."""
    here = Counter(s.address for s in submissions)
    totals = count_shared(RATE_SCOPE, dict(here), window=SUBMIT_WINDOW)
    room = {address: SUBMIT_LIMIT - (totals[address] - n) for address, n in here.items()}
    allowed = []
    for s in submissions:
        if room[s.address] > 0:
            room[s.address] -= 1
            allowed.append(s)
        else:
            s.refused = LIMITED
    return allowed


def _still_open(submissions: Sequence[Submission]) -> list[Submission]:
    """Lock the episodes (by id); keep the submissions whose episode is open and link live."""
    if not submissions:
        return []
    episode_ids = sorted({s.link.episode_id for s in submissions})
    link_ids = sorted({s.link.pk for s in submissions})
    quote = connection.ops.quote_name
    episodes, links = quote(Episode._meta.db_table), quote(ReportLink._meta.db_table)
    lock = " FOR UPDATE OF e" if connection.features.has_select_for_update_of else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id, l.id FROM {episodes} e JOIN {links} l ON l.episode_id = e.id "  # noqa: S608
            f"WHERE e.id IN ({', '.join(['%s'] * len(episode_ids))}) AND e.status = %s "
            f"AND l.id IN ({', '.join(['%s'] * len(link_ids))}) AND l.revoked_at IS NULL "
            f"ORDER BY e.id{lock}",
            [*episode_ids, Episode.Status.OPEN.value, *link_ids],
        )
        live_pairs = set(cursor.fetchall())
    return [s for s in submissions if (s.link.episode_id, s.link.pk) in live_pairs]


class GroupCommit:
    """Hand submissions to a writer; one waiting thread at a time writes what has queued up.

    Each thread sleeps on its own event: when a group is written its threads are woken, and the first
    submission queued meanwhile is woken to write the next group (no thundering herd of every waiting
    thread). Under load (the last group held more than one submission) the writer first lingers
    ``linger`` seconds, letting the group fill: fewer, larger groups for a little latency.
    """

    def __init__(self, write: Callable[[Sequence[Submission]], None], *, linger: float = 0.0) -> None:
        self._write = write
        self._linger = linger
        self._lock = threading.Lock()
        self._queue: list[Submission] = []
        self._writing = False
        self._last_size = 0

    def submit(self, submission: Submission) -> Submission:
        """Return once ``submission`` is written or refused, or its group failed (``error``)."""
        with self._lock:
            self._queue.append(submission)
            lead = not self._writing
            self._writing = True
        if not lead:
            submission.wake.wait()
            if submission.done:
                return submission
            # Woken to write the next group.
        if self._linger and self._last_size > 1:
            time.sleep(self._linger)
        with self._lock:
            group, self._queue = self._queue, []
        self._last_size = len(group)
        try:
            self._write(group)
        except Exception as exc:  # the whole group was rolled back: every phone is told to retry
            # The class and SQLSTATE only: a database message can quote the values of a row.
            logger.error(
                "self-report group of %d not written: %s %s",
                len(group), type(exc).__name__, getattr(getattr(exc, "__cause__", None), "sqlstate", ""),
            )  # fmt: skip
            for s in group:
                s.check, s.error = None, exc
        finally:
            with self._lock:
                for s in group:
                    s.done = True
                    s.wake.set()
                if self._queue:
                    self._queue[0].wake.set()  # not done: it writes the next group
                else:
                    self._writing = False
        return submission


# Lingering 2 ms under load let groups fill (see docs/performance.md, self-report submissions).
LINGER_SECONDS = 0.002
_writer = GroupCommit(record_batch, linger=LINGER_SECONDS)


def submit(submission: Submission) -> Submission:
    """Record a prepared submission together with whatever else is waiting in this process."""
    return _writer.submit(submission)
