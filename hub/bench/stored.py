"""Synthetic children loaded straight into a store by COPY, the way the merge worker leaves them.

Shared by ``msix bench identity-speed`` (the identities it matches against) and ``msix bench
pipeline --stored N`` (a store of N children before the run's own events arrive). Each child is one
state's report of a child of the synthetic families (``hub.synthetic.identities``, with the noise
model's defects), so an incoming identity's candidate look-up finds crowds as large as real ones.
A child's rows: ``child``, ``state_identity`` (its facts and first blocking key) and its
``identity_block`` rows; with ``Records``, also one student and one enrollment record in ``record``,
their fields in the JSON the worker stores, and their event ids in ``processed_event``.

Rows are made and copied 50,000 children at a time, so millions load in bounded memory.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from hub.domain.identity import FACT_COLUMNS, IdentityFacts, Matcher, fact_values, facts_from_fields
from hub.domain.msix_id import from_serial
from hub.domain.records import to_json
from hub.synthetic.columns import ENROLLMENT_COLUMNS, STUDENT_COLUMNS
from hub.synthetic.identities import STATES, Report, families, report
from hub.synthetic.people import Child, Family, enrollment_id, state_id_type
from hub.synthetic.places import CITIES, school_for

Log = Callable[[str], None]
RecordRow = tuple[str, str, str, str, str, datetime, uuid.UUID]

CHUNK = 50_000
"""Children per COPY round, and between two progress lines."""

PIPELINE_FIRST_SERIAL = 90_000_000_000
"""MSIX ids of ``bench pipeline``'s stored children are ``from_serial(PIPELINE_FIRST_SERIAL + n)``:
the run's own children draw theirs from ``msix_serial`` (10,000,000,001 up), which would need 80
billion children to get here."""

# Everything a record's Avro value holds but the envelope, in the schema's order: the worker stores
# the decoded value minus the envelope, so a field the state left empty is there, as null.
_STUDENT_FIELDS = STUDENT_COLUMNS[2:]
_ENROLLMENT_FIELDS = ENROLLMENT_COLUMNS[2:]
# The tables the load drops indexes of and rebuilds them after: the worker's look-ups do not run
# during the load, and one sort per index at the end is much faster than millions of inserts into
# B-trees in random key order.
_REINDEXED = ("identity_block", "record", "processed_event")


def reports(seed: int, count: int) -> Iterator[tuple[Report, Family, Child]]:
    """``count`` children of the synthetic families, one state's report of each. Its state student
    id, state code then nine digits, is never one ``hub.synthetic.people.state_student_id`` makes
    (a digit then nine digits, or a state code then eight or ten)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, nothing secret
    made = 0
    for fam in families(seed, count):
        for child in fam.children:
            state = rng.choice(STATES)
            yield report(rng, fam, child, state, f"{state}{child.key:09d}"), fam, child
            made += 1
            if made == count:
                return


def children(seed: int, count: int) -> Iterator[tuple[IdentityFacts, int, Family, Child]]:
    """(facts, child key, family, child) for the children of ``reports``."""
    for r, fam, child in reports(seed, count):
        yield facts_from_fields(r.state, r.state_student_id, r.fields), child.key, fam, child


@dataclass
class Records:
    """A stored child's records: its student record and the enrollment of the school year starting
    in August of ``year``. Drawn from a generator of their own, so the children are the same with
    or without records."""

    seed: int
    year: int
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        # Not the children's own seed: the two generators would draw the same numbers side by side.
        self.rng = random.Random(f"stored records {self.seed}")  # noqa: S311 - synthetic data, nothing secret

    def rows(self, r: Report, fam: Family, child: Child) -> list[RecordRow]:
        rng = self.rng
        qad = date(self.year, 7, 1) + timedelta(days=rng.randrange(100))  # the qualifying arrival
        moved_from = rng.choice([s for s in STATES if s != r.state])
        student = dict.fromkeys(_STUDENT_FIELDS)
        student.update({k: v or None for k, v in r.fields.items()})  # an empty cell arrives as null
        student.update(
            state_student_id_type=state_id_type(r.state),
            suffix=child.suffix or None,
            qad=qad,
            move_from_city=rng.choice(CITIES[moved_from])[0],
            move_from_state=moved_from,
            move_from_country="US",
            eligibility_expiration_date=qad.replace(year=qad.year + 3) - timedelta(days=1),
        )
        enrolled = qad + timedelta(days=rng.randrange(15))
        enrollment = _enrollment(rng, r.state, fam, child, qad, enrolled)
        enrollment["enrollment_id"] = eid = enrollment_id(r.state, child.key, 0)
        return [self._row(r, "student", "", student, qad), self._row(r, "enrollment", eid, enrollment, enrolled)]

    def _row(self, r: Report, family: str, key: str, fields: dict[str, Any], known: date) -> RecordRow:
        # Sent in the state's next submission after the fact, some time during that day.
        ts = datetime(known.year, known.month, known.day, tzinfo=UTC) + timedelta(seconds=self.rng.randrange(86_400))
        return (r.state, r.state_student_id, family, key, to_json(fields), ts, uuid.UUID(int=self.rng.getrandbits(128)))


def _enrollment(rng: random.Random, state: str, fam: Family, child: Child, qad: date, enrolled: date) -> dict[str, Any]:
    level, kind = _level(child.grade)
    city = fam.home_city if state == fam.home_state else rng.choice(CITIES[state])[0]
    school = school_for(state, city, level)
    fields = dict.fromkeys(_ENROLLMENT_FIELDS)
    fields.update(
        enrollment_date=enrolled,
        enrollment_type=kind,
        school_name=school.name,
        nces_school_id=school.nces_school_id or None,
        nces_district_id=school.nces_district_id,
        district_name=school.district_name,
        facility_city=school.city,
        facility_state=state,
        grade_level=child.grade,
        lep=_yn(child.lep),
        iep=_yn(child.iep),
        pfs=_yn(rng.random() < 0.3),
        medical_alert=child.medical_alert,
        immunization_record=_yn(child.immunized),
        residency_date=qad,
        designated_graduation_school=school.name if level == "high" else None,
    )
    return fields


def _level(grade: str) -> tuple[str, str]:
    """(school level, enrollment type), as ``hub.synthetic.stays`` assigns them (less the
    home-based preschool, which depends on the day the school year starts)."""
    if grade == "OS":
        return "osy", "04"
    if grade in ("PK", "KG", "UG") or grade <= "05":
        return "elementary", "01"
    return ("middle", "01") if grade <= "08" else ("high", "01")


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


@dataclass
class Chunk:
    """One round's rows, each list in its table's column order."""

    children: list[tuple[str]] = field(default_factory=list)
    identities: list[tuple[object, ...]] = field(default_factory=list)
    blocks: list[tuple[str, str, str]] = field(default_factory=list)
    records: list[RecordRow] = field(default_factory=list)

    def add(self, msix_id: str, facts: IdentityFacts, blocking: list[str], records: list[RecordRow]) -> None:
        self.children.append((msix_id,))
        # The identity keeps the keys of its blocking rows, as the worker writes it.
        self.identities.append((facts.state, facts.state_student_id, msix_id, *fact_values(facts), blocking))
        self.blocks.extend((k, facts.state, facts.state_student_id) for k in blocking)
        self.records.extend(records)


@dataclass(frozen=True)
class Loaded:
    children: int
    blocks: int
    records: int
    at: datetime
    """The load transaction's ``now()``: every row it wrote has it as ``updated_at``, and every
    row a later transaction writes a later one."""


def load(
    conn: psycopg.Connection,
    rows: Iterator[tuple[Report, Family, Child]],
    matcher: Matcher,
    log: Log,
    first_serial: int,
    records: Records | None = None,
) -> Loaded:
    """Copy the children into the store in one transaction, committed; child ``n`` (from 1) gets
    the MSIX id ``from_serial(first_serial + n)``."""
    counts = (0, 0, 0)  # children, blocking rows, records: each round's rows are dropped once copied
    with conn.cursor() as cur:
        cur.execute("SELECT now()")
        at = _one(cur)
        restore = [stmt for table in _REINDEXED for stmt in _drop_indexes(cur, table)]
        chunk = Chunk()
        for n, (r, fam, child) in enumerate(rows, start=1):
            facts = facts_from_fields(r.state, r.state_student_id, r.fields)
            made = records.rows(r, fam, child) if records is not None else []
            chunk.add(from_serial(first_serial + n), facts, matcher.blocking_keys(facts), made)
            if len(chunk.children) == CHUNK:
                counts = _sum(counts, _flush(cur, chunk))
                chunk = Chunk()
                log(f"  {n:,} children")
        counts = _sum(counts, _flush(cur, chunk))
        for stmt in restore:
            cur.execute(stmt)
        cur.execute("ANALYZE")
    conn.commit()
    return Loaded(children=counts[0], blocks=counts[1], records=counts[2], at=at)


def _one(cur: psycopg.Cursor) -> Any:
    row = cur.fetchone()
    assert row is not None
    return row[0]


def _sum(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _drop_indexes(cur: psycopg.Cursor, table: str) -> list[str]:
    """Drop ``table``'s indexes, its primary key and unique constraints included; returns the
    statements that put every one back as the migrations made it (read from the catalog, so an
    index a later migration adds is rebuilt too)."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY conname",
        (table,),
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema() AND tablename = %s ORDER BY indexname",
        (table,),
    )
    owned = {name for name, _ in constraints}
    indexes = [(name, definition) for name, definition in cur.fetchall() if name not in owned]
    restore: list[str] = []
    for name, definition in constraints:
        cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name)))
        restore.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for name, definition in indexes:
        cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        restore.append(definition)
    return restore


def _flush(cur: psycopg.Cursor, chunk: Chunk) -> tuple[int, int, int]:
    """COPY one round; returns (children, blocking rows, records) copied."""
    identity_cols = ", ".join(("state", "state_student_id", "msix_id", *FACT_COLUMNS, "block_keys"))
    record_cols = "state, state_student_id, family, record_key, fields, source_ts, event_id"
    _copy(cur, "COPY child (msix_id) FROM STDIN", chunk.children)
    _copy(cur, f"COPY state_identity ({identity_cols}) FROM STDIN", chunk.identities)
    _copy(cur, "COPY identity_block (block_key, state, state_student_id) FROM STDIN", chunk.blocks)
    if chunk.records:
        _copy(cur, f"COPY record ({record_cols}) FROM STDIN", chunk.records)
        # The worker claims every event it applies: the store's processed ids grow with its records.
        _copy(cur, "COPY processed_event (event_id) FROM STDIN", [(row[-1],) for row in chunk.records])
    return len(chunk.children), len(chunk.blocks), len(chunk.records)


def _copy(cur: psycopg.Cursor, statement: str, rows: list[Any]) -> None:
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
