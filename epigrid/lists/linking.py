"""Link list rows to the registry: block, score, decide. No database access here.

The registry of a district (up to a million people) is streamed once, not indexed in memory: the
index is built over the list's rows (a 100,000-row list makes under a million keys), and each person
of the registry probes it with their own blocking keys. A person whose keys meet a row's keys becomes
a candidate of that row; only candidates are scored. ``epigrid.lists.services`` feeds the stream from
the database and writes the decisions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from epigrid.lib.linkage import (
    MATCH,
    REVIEW,
    Comparison,
    Record,
    id_keys,
    normalize_address,
    phone_keys,
    score,
)
from epigrid.lib.names import name_info

# How many candidates of a row are kept as evidence for a reviewer.
KEEP_CANDIDATES = 3

DECISION_MATCHED = "matched"
DECISION_NEW = "new"
DECISION_REVIEW = "review"
DECISION_REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RegistryPerson:
    """The columns of a registry person that linkage reads (one database row)."""

    id: int
    name: str
    id_number: str
    birth_date: date | str | None  # a date, or its ISO text as SQLite returns it
    sex: str
    phone: str
    address: str = ""


@dataclass
class RowLink:
    """The outcome for one list row: decision, person, score and the evidence behind it."""

    row_number: int
    decision: str
    person_id: int | None = None
    score: float | None = None
    evidence: dict[str, object] = field(default_factory=dict)
    reason: str = ""


def person_record(person: RegistryPerson) -> Record:
    """Turn a registry row into a linkage record without re-parsing what the registry keeps clean.

    Registry ID numbers and phones are stored normalized by the services (an ID number only when
    its check digit is right), so only the name needs reading; ``name_info`` is cached.
    """
    info = name_info(person.name)
    birth = person.birth_date
    if isinstance(birth, str):  # streamed from SQLite as ISO text (services._registry)
        birth = date.fromisoformat(birth)
    return Record(
        id=person.id,
        name=info.normalized,
        name_key=info.key,
        id_number=person.id_number,
        id_valid=len(person.id_number) == 18,
        birth_date=birth,
        birth_year=birth.year if birth else None,
        sex=person.sex,
        phone=person.phone,
        address=normalize_address(person.address) if person.address else "",
    )


def row_keys(record: Record) -> tuple[str, ...]:
    """Return the identifier keys a list row is indexed under (empty when it has neither ID nor phone).

    A row with an ID-shaped number or a phone is found through them even with a typo (the partial ID
    keys and the phone's last eight digits). Rows with neither are looked up by the pinyin of their
    name instead (``ListIndex.name_rows``), through the registry's indexed ``name_key`` column, so a
    list is never compared with every namesake in the district.
    """
    return (*id_keys("" if record.id_damaged else record.id_number), *phone_keys(record.phone))


def _evidence(comparison: Comparison, person_id: int) -> dict[str, object]:
    return {
        "person": person_id,
        "score": round(comparison.total, 2),
        "rule": comparison.rule,
        "fields": {name: str(level) for name, level in comparison.levels.items()},
    }


def registry_key_parts(id_number: str, phone: str) -> list[tuple[str, str]]:
    """Return a registry person's identifier keys as (kind, value) pairs, without building strings.

    The same keys as ``id_keys`` and ``phone_keys`` of ``epigrid.lib.linkage`` ("kind:value"),
    sliced straight from the stored values; ``tests/lists/test_linking.py`` holds the two equal.
    """
    parts: list[tuple[str, str]] = []
    n = id_number
    if len(n) == 18:
        parts += [
            ("id", n),
            ("idp", n[:14]),
            ("ida", n[6:]),
            ("idy", n[:6] + n[10:]),
            ("idm", n[:10] + n[14:]),
        ]
    if phone:
        parts.append(("ph", phone.replace("-", "")[-8:]))
    return parts


class ListIndex:
    """Blocking index over the rows of one list, probed by the registry stream."""

    def __init__(self, rows: Iterable[tuple[int, Record]]) -> None:
        self.records: dict[int, Record] = {}
        # One dictionary per key kind ("id", "idp", "ida", "idy", "idm", "ph"), value -> rows.
        self.by_kind: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        # Rows without identifiers, by the pinyin key of their name.
        self.name_rows: dict[str, list[int]] = defaultdict(list)
        for row_number, record in rows:
            self.records[row_number] = record
            keys = row_keys(record)
            for key in keys:
                kind, _, value = key.partition(":")
                self.by_kind[kind][value].append(row_number)
            if not keys and record.name_key:
                self.name_rows[record.name_key].append(row_number)
        # Best comparisons per row, as (total, person id, comparison); kept short.
        self.best: dict[int, list[tuple[float, int, Comparison]]] = defaultdict(list)
        self._key_tables = self._tables()

    def _tables(self) -> tuple[dict[str, list[int]], ...]:
        """Return the key tables in ``registry_key_parts`` order: id, idp, ida, idy, idm, ph."""
        empty: dict[str, list[int]] = {}
        return tuple(self.by_kind.get(kind) or empty for kind in ("id", "idp", "ida", "idy", "idm", "ph"))

    def probe_row(
        self, pk: int, name: str, id_number: str, birth: date | str | None, sex: str, phone: str
    ) -> None:
        """Score one streamed registry row against every list row sharing an identifier key with it.

        Called a million times per import: the row stays a tuple until a key hits, and the keys are
        the slices of ``registry_key_parts`` looked up in place (a partial key only when some list row
        has that kind of key), without building the list of pairs.
        """
        t_id, t_idp, t_ida, t_idy, t_idm, t_ph = self._key_tables
        rows: set[int] | None = None
        partial: list[int] = []
        n = id_number
        if len(n) == 18:
            hit = t_id.get(n)
            if hit:
                rows = set(hit)
            if t_idp and (hit := t_idp.get(n[:14])):
                partial += hit
            if t_ida and (hit := t_ida.get(n[6:])):
                partial += hit
            if t_idy and (hit := t_idy.get(n[:6] + n[10:])):
                partial += hit
            if t_idm and (hit := t_idm.get(n[:10] + n[14:])):
                partial += hit
        if phone and t_ph and (hit := t_ph.get(phone.replace("-", "")[-8:])):
            rows = rows if rows is not None else set()
            rows.update(hit)
        if partial:
            # A wrong digit leaves exactly one of the four partial keys intact, so one shared
            # partial key is what a typo looks like, and also what the same birth date and
            # sequence in another county look like. The surname tells them apart cheaply; the
            # rare typo in both the ID and the surname still has the phone to be found by.
            surname = name[:1]
            records = self.records
            rows = rows if rows is not None else set()
            rows.update(row_number for row_number in partial if records[row_number].name[:1] == surname)
        if rows:
            self._score(RegistryPerson(pk, name, id_number, birth, sex, phone), rows)

    def probe(self, person: RegistryPerson) -> None:
        """Score ``person`` against every row that shares an identifier key with them."""
        self.probe_row(person.id, person.name, person.id_number, person.birth_date, person.sex, person.phone)

    def probe_by_name(self, person: RegistryPerson) -> None:
        """Score a namesake found through ``name_rows`` against the rows that carry that name."""
        self.probe_namesakes([person], population=0)

    def probe_namesakes(self, people: list[RegistryPerson], *, population: int) -> None:
        """Score the district's namesakes of the rows without identifiers (every person whose name
        has the pinyin key of such a row), with their household address.

        A row's name weighs by its rarity when exactly one of the ``population`` people carries it
        (with the row's sex, when the row gives one): that person is then scored with
        ``unique_name_among``. Common names keep the fixed, lower weight.
        """
        records = [person_record(person) for person in people]
        by_name = Counter(record.name for record in records)
        by_name_sex = Counter((record.name, record.sex) for record in records)
        for person, record in zip(people, records, strict=True):
            rows = self.name_rows.get(record.name_key)
            if not rows:
                continue
            for row_number in rows:
                row = self.records[row_number]
                same = by_name_sex[(record.name, row.sex)] if row.sex else by_name[record.name]
                unique = population if same == 1 and row.name == record.name else 0
                self._score(person, (row_number,), record, unique_name_among=unique)

    def _score(
        self,
        person: RegistryPerson,
        rows: Iterable[int],
        record: Record | None = None,
        *,
        unique_name_among: int = 0,
    ) -> None:
        record = record or person_record(person)
        for row_number in rows:
            comparison = score(self.records[row_number], record, unique_name_among=unique_name_among)
            best = self.best[row_number]
            best.append((comparison.total, person.id, comparison))
            if len(best) > KEEP_CANDIDATES:
                best.sort(key=lambda item: -item[0])
                del best[KEEP_CANDIDATES:]

    def decide(self, row_number: int) -> RowLink:
        """Return the decision for a row after the whole registry has probed the index."""
        best = sorted(self.best.get(row_number, ()), key=lambda item: -item[0])
        if not best:
            return RowLink(row_number, DECISION_NEW, evidence={"candidates": []})
        total, person_id, top = best[0]
        candidates = [_evidence(c, pid) for _, pid, c in best]
        if top.decision == MATCH:
            runner_up = best[1][2] if len(best) > 1 else None
            if runner_up is not None and runner_up.decision == MATCH and runner_up.rule == top.rule:
                # Two people match equally well: a person decides, not the order of the registry.
                return RowLink(row_number, DECISION_REVIEW, None, total, {"candidates": candidates})
            return RowLink(row_number, DECISION_MATCHED, person_id, total, {"candidates": candidates[:1]})
        if top.decision == REVIEW:
            return RowLink(row_number, DECISION_REVIEW, None, total, {"candidates": candidates})
        return RowLink(row_number, DECISION_NEW, None, total, {"candidates": candidates})
