"""Read one Ed-Fi submission: a folder of XML interchange files, streamed, as accepted and rejected items.

The folder holds any subset of the interchanges below, in any file names, each file named by its root
element. They are read in passes so every join is by id against what an earlier pass collected, and
no pass holds more than one element of a file at a time:

1. EducationOrganization (schools, districts, courses) and AssessmentMetadata (assessments): lookups;
2. StudentProgram (StudentMigrantEducationProgramAssociation) and StudentEnrollment
   (StudentEducationOrganizationAssociation): what they add to each child's records; the same file's
   StudentSchoolAssociations are mapped then and kept aside (``aside``), so the file is read once;
3. Student: the StudentIdentity records, published first, so the hub meets a child before the rest;
4. the Enrollment records kept aside, StudentTranscript (CourseTranscript) and StudentAssessment
   (StudentAssessment): Enrollment, Course and Assessment records.

A reading may cover one share of the children (``Share``), so that several processes publish a
submission side by side.

Every element the exchange uses is mapped (``mapping``) and then validated by the MDE row model of its
family, so each rule of the exchange is written once. A malformed file, an element that breaks a rule,
a descriptor no table maps, a reference to a student no Student element defines: each is a rejected
item with file, line, element path (in ``column``) and reason, and the rest goes on. Event ids come from
the state, the submission time and the record's content, so republishing changes nothing.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import signal
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from lxml import etree

from connectors.edfi import mapping
from connectors.edfi.aside import Aside
from connectors.edfi.descriptors import Tables, tables
from connectors.edfi.mapping import REPEATED, Extra, Fields, Lookups
from connectors.edfi.readahead import Element, Found, Reading, Sender
from connectors.edfi.rows import RowChecker
from connectors.edfi.view import ElementProblem, View
from connectors.edfi.xmlfile import EDFI_NAMESPACE, TOP_LEVEL, Broken, Head, Paths, Top, XmlFile
from connectors.items import Accepted, FileSummary, Item, Rejected, SubmissionSummary, Where, rejection
from connectors.mde.manifest import CLOCK_SKEW
from connectors.mde.rows import (
    AssessmentRow,
    CourseRow,
    EnrollmentRow,
    Problem,
    Row,
    RowContext,
    StudentRow,
)
from hub.errors import SubmissionRejected

Lookup = Callable[[View, Lookups], None]
Mapper = Callable[[View, Lookups], Fields]


@dataclass(frozen=True, slots=True)
class RecordKind:
    """An element that becomes a record of the exchange."""

    model: type[Row]
    map: Mapper
    paths: dict[str, str]
    """MDE column -> the element's child that holds it, for rejections."""
    student: tuple[str, ...]
    """Where the element names its student."""
    later: Callable[[Fields, Lookups], Fields] | None = None
    """Read before the students: mapped when read, kept aside, completed by this and published after them."""


def _school(v: View, found: Lookups) -> None:
    key, value = mapping.school(v)
    found.schools[key] = value


def _district(v: View, found: Lookups) -> None:
    key, value = mapping.district(v)
    found.districts[key] = value


def _course(v: View, found: Lookups) -> None:
    key, value = mapping.course_def(v)
    found.courses[key] = value


def _assessment(v: View, found: Lookups) -> None:
    key, value = mapping.assessment_def(v)
    found.assessments[key] = value


def _extra(fold: Callable[[View, Extra], None]) -> Lookup:
    def apply(v: View, found: Lookups) -> None:
        sid = mapping.student_of(v)
        extra = found.extras.get(sid) or Extra()
        fold(v, extra)  # raises before it changes anything
        found.extras[sid] = extra

    return apply


_STUDENT_REF = ("StudentReference/StudentIdentity/StudentUniqueId", "StudentReference/StudentLookup/StudentUniqueId")
_RECORD_REF = tuple(f"StudentAcademicRecordReference/StudentAcademicRecordIdentity/{p}" for p in _STUDENT_REF)

STUDENT = RecordKind(
    StudentRow, lambda v, found: mapping.student(v, found.extras), mapping.STUDENT_PATHS, ("StudentUniqueId",)
)
ENROLLMENT = RecordKind(
    EnrollmentRow, mapping.enrollment, mapping.ENROLLMENT_PATHS, _STUDENT_REF, mapping.enrollment_extra
)
COURSE = RecordKind(CourseRow, mapping.course, mapping.COURSE_PATHS, _RECORD_REF)
ASSESSMENT = RecordKind(AssessmentRow, mapping.assessment, mapping.ASSESSMENT_PATHS, _STUDENT_REF)

_KINDS = (STUDENT, ENROLLMENT, COURSE, ASSESSMENT)
Handler = Lookup | RecordKind
_MIGRANT = _extra(mapping.migrant_program_association)
_EDORG = _extra(mapping.education_organization_association)

PASSES: tuple[tuple[str, dict[str, Handler]], ...] = (
    ("InterchangeEducationOrganization", {"School": _school, "LocalEducationAgency": _district, "Course": _course}),
    ("InterchangeAssessmentMetadata", {"Assessment": _assessment}),
    ("InterchangeStudentProgram", {"StudentMigrantEducationProgramAssociation": _MIGRANT}),
    ("InterchangeStudentEnrollment", {"StudentEducationOrganizationAssociation": _EDORG,
                                      "StudentSchoolAssociation": ENROLLMENT}),  # kept aside: ENROLLMENT.later
    ("InterchangeStudent", {"Student": STUDENT}),
    ("InterchangeStudentTranscript", {"CourseTranscript": COURSE}),
    ("InterchangeStudentAssessment", {"StudentAssessment": ASSESSMENT}),
)  # fmt: skip
"""(interchange, {element: handler}) in reading order."""

INTERCHANGES = frozenset(interchange for interchange, _ in PASSES)
_HANDLED: dict[str, frozenset[str]] = {
    i: frozenset(name for interchange, handlers in PASSES if interchange == i for name in handlers)
    for i in INTERCHANGES
}
_STUDENTS_DONE = 1 + next(n for n, (_, handlers) in enumerate(PASSES) if "Student" in handlers)
"""Index of the first pass after the Student pass: children named only by associations are rejected there,
then the records kept aside are published."""

_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


READ_AHEAD_FROM = 32_000_000
"""Bytes of XML from which a submission is read ahead in a second process by default (see
``EdfiSubmission.read_ahead``): below, starting the process costs more than it saves."""


def open_submission(
    folder: Path, state: str, submitted_at: datetime | None = None, now: datetime | None = None
) -> EdfiSubmission:
    """Check ``folder`` as a whole (it exists, it has .xml files); raise SubmissionRejected if not.

    ``submitted_at`` (the records' source time: newer wins in the hub) defaults to the newest file's
    modification time, so the same files give the same events however often they are published.
    Either may be no later than ``now`` (default: the clock) and the clock skew allowed.
    """
    if not folder.is_dir():
        raise SubmissionRejected(f"no such folder: {folder}")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    if not files:
        raise SubmissionRejected(f"no Ed-Fi interchange files (*.xml) in {folder}")
    submitted_at = _source_time(files, submitted_at, now or datetime.now(UTC))
    identity = {
        "format": "edfi",
        "state": state,
        "submitted_at": submitted_at.isoformat(),
        "files": {p.name: p.stat().st_size for p in files},
    }
    submission_id = hashlib.sha256(_CANONICAL.encode(identity).encode()).hexdigest()[:32]
    return EdfiSubmission(files, Where(state, submission_id, submitted_at))


def _source_time(files: list[Path], given: datetime | None, now: datetime) -> datetime:
    """UTC, to the millisecond: ``given`` or the newest file's modification time; refused in the future,
    where it would win over every later submission (last writer wins) until that time comes."""
    if given is None:
        newest = max(p.stat().st_mtime_ns for p in files) // 1_000_000
        moment, said = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=newest), "the newest file's time"
    else:
        said = "--submitted-at"
        try:
            moment = (given if given.tzinfo else given.replace(tzinfo=UTC)).astimezone(UTC)
        except OverflowError:  # e.g. 9999-12-31T23:59:59-05:00 is past the last year in UTC
            raise SubmissionRejected(f"--submitted-at {given.isoformat()} is out of range") from None
    if moment > now + CLOCK_SKEW:
        raise SubmissionRejected(
            f"{said} ({moment.isoformat(timespec='seconds')}) is in the future (the hub's clock says "
            f"{now.isoformat(timespec='seconds')})" + ("; give --submitted-at" if given is None else "")
        )
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True, slots=True)
class Share:
    """Which children a reading covers: those whose student id's CRC-32 is ``index`` modulo ``count``.

    Shares read side by side (one process each) publish together exactly what one reading publishes:
    every element that names a child is handled by that child's share only, so a child's records stay
    in order on their key (their Student record first) within one producer. Elements that name no
    child (schools, courses, a broken file, an element without a student id) go to share 0; the
    lookups (schools, districts, courses, assessments) are read by every share, counted by share 0.
    """

    index: int = 0
    count: int = 1

    def owns(self, student_id: str | None) -> bool:
        if self.count == 1:
            return True
        if student_id is None:
            return self.index == 0
        # CRC-32, not hash(): the same in every process (str hashes are salted per process).
        return zlib.crc32(student_id.encode()) % self.count == self.index


class EdfiSubmission:
    """A checked Ed-Fi folder, ready to stream. Each call of ``items()`` is a fresh pass over it."""

    def __init__(self, files: list[Path], where: Where, share: Share | None = None) -> None:
        self.where = where
        self.state = where.state
        self.files = files
        self.share_of = share or Share()
        self._heads: dict[str, Head | Broken] = {p.name: XmlFile(p).head() for p in files}
        self.total_bytes = sum(p.stat().st_size * self._visits(p.name) for p in files)
        self.read_ahead = _worth_reading_ahead(self.total_bytes, 1)
        """Parse the XML in a second process (``connectors.edfi.readahead``) while this one maps,
        checks and publishes: the same items, sooner, given a second core. By default on for a large
        submission with a core to spare for each share's reading process."""
        self._read_ahead_chosen = False
        self._done_bytes = 0
        self._current: XmlFile | None = None
        self._reading: Reading | None = None
        self._summary = SubmissionSummary(where.submission_id)

    def _visits(self, name: str) -> int:
        head = self._heads[name]
        if not isinstance(head, Head) or head.interchange not in INTERCHANGES:
            return 0
        return sum(1 for interchange, _ in PASSES if interchange == head.interchange)

    def share(self, index: int, count: int) -> EdfiSubmission:
        """The same submission, reading only share ``index`` of ``count`` (see ``Share``)."""
        if not 0 <= index < count:
            raise ValueError(f"share {index} of {count}")
        other = copy.copy(self)
        other.share_of = Share(index, count)
        if not self._read_ahead_chosen:
            other.read_ahead = _worth_reading_ahead(self.total_bytes, count)
        other._summary = SubmissionSummary(self.where.submission_id)
        other._current, other._done_bytes, other._reading = None, 0, None
        return other

    def reading_ahead(self, on: bool) -> EdfiSubmission:
        """The same submission, read ahead in a second process or not (see ``read_ahead``)."""
        other = copy.copy(self)
        other.read_ahead, other._read_ahead_chosen = on, True
        return other

    @property
    def bytes_read(self) -> int:
        if self._reading is not None and self._current is not None:
            return self._done_bytes + self._reading.bytes_read
        return self._done_bytes + (self._current.bytes_read if self._current else 0)

    @property
    def summary(self) -> SubmissionSummary:
        """Per file: records published, rejected, folded into others, skipped; complete after ``items()``."""
        return self._summary

    def items(self) -> Iterator[Item]:
        self._done_bytes = 0
        self._summary = SubmissionSummary(self.where.submission_id)
        counts = {p.name: FileSummary(p.name) for p in self.files}
        self._summary.files = list(counts.values())
        if self.share_of.index == 0:
            yield from self._unreadable(counts)
        run = _Run(self.where, counts, self.share_of)
        plan = self._plan()
        if self.read_ahead:
            args = ([(str(path), head.interchange, head.namespace, number) for number, path, head in plan],)
            self._reading = Reading(_read_ahead, (*args, self.share_of), len(plan))
        try:
            done = 0
            for index, (number, path, head) in enumerate(plan):
                while done < number:  # each pass's end, as it comes
                    done += 1
                    if done == _STUDENTS_DONE:
                        yield from run.orphans()
                        yield from run.set_aside()
                interchange, handlers = PASSES[number]
                self._current = XmlFile(path)
                paths = Paths(head.namespace)
                if self._reading is not None:
                    found = self._reading.file(index, interchange, paths, run.tables)
                else:
                    elements = _elements(self._current, interchange, handlers, self.share_of, head.namespace)
                    found = _viewed(elements, paths, run.tables)
                first = number == min(n for n, (i, _) in enumerate(PASSES) if i == interchange)
                yield from run.file(path.name, interchange, handlers, first, found)
                self._done_bytes += self._current.size
                self._current = None
            if done < _STUDENTS_DONE:
                yield from run.orphans()
                yield from run.set_aside()
        finally:
            if self._reading is not None:
                self._reading.close()
                self._reading = None

    def _plan(self) -> list[tuple[int, Path, Head]]:
        """(pass, file, its head) for each file in reading order: each pass's files, in name order."""
        return [
            (number, path, head)
            for number, (interchange, _) in enumerate(PASSES)
            for path in self.files
            if isinstance(head := self._heads[path.name], Head) and head.interchange == interchange and _edfi(head)
        ]

    def _unreadable(self, counts: dict[str, FileSummary]) -> Iterator[Rejected]:
        for path in self.files:
            head = self._heads[path.name]
            if isinstance(head, Broken):
                reason, line = head.reason, head.line
            elif head.interchange not in INTERCHANGES:
                known = ", ".join(sorted(INTERCHANGES))
                reason, line = f"root element {head.interchange[:60]!r} is not an interchange read here ({known})", 1
            elif not _edfi(head):
                reason, line = f"namespace {head.namespace[:60]!r} is not an Ed-Fi 5.x or 6.x namespace", 1
            else:
                continue
            counts[path.name].rejected += 1
            yield rejection(self.where, path.name, line, None, reason, None, None)


def _worth_reading_ahead(total_bytes: int, shares: int) -> bool:
    return total_bytes >= READ_AHEAD_FROM and (os.cpu_count() or 1) >= 2 * shares


def _edfi(head: Head) -> bool:
    return bool(EDFI_NAMESPACE.match(head.namespace))


class _Run:
    """One pass through the submission: lookups, the children defined so far, event id seeds."""

    def __init__(self, where: Where, counts: dict[str, FileSummary], share: Share) -> None:
        self.where = where
        self.counts = counts
        self.share = share
        self.lead = share.index == 0
        """Share 0 reports what belongs to no child: a broken file, unused elements, the lookups."""
        self.lookups = Lookups()
        self.aside = Aside()
        self.students: set[str] = set()
        self.tables = tables()
        self.context = RowContext(today=where.submitted_at.date())
        self.rows = RowChecker()
        self.envelope = {"state": where.state, "source_ts": where.submitted_at, "submission_id": where.submission_id}
        self._seeds = {
            kind.model: hashlib.sha256(
                "\x1f".join([where.state, kind.model.FAMILY, where.submitted_at.isoformat(), ""]).encode()
            )
            for kind in _KINDS
        }

    def file(
        self, name: str, interchange: str, handlers: dict[str, Handler], first: bool, elements: Iterator[Found]
    ) -> Iterator[Item]:
        counts = self.counts[name]
        handled = _HANDLED[interchange]
        for found in elements:
            if isinstance(found, Broken):
                if first and self.lead:  # reported once, however many passes read the file
                    counts.rejected += 1
                    yield rejection(self.where, name, found.line, None, found.reason, None, None)
                return
            top, view = found
            handler = handlers.get(top.name)
            if handler is None or view is None:
                counts.skipped += first and self.lead and top.name not in handled
                continue
            # A lookup every share reads, reported by share 0 only.
            quiet = self.share.count > 1 and not self.lead and top.name not in _CHILD_OF
            if isinstance(handler, RecordKind):
                item = self._record(name, top, view, handler)
                if item is None:
                    continue  # kept aside
                if isinstance(item, Accepted):
                    counts.accepted += 1
                else:
                    counts.rejected += 1
                yield item
                continue
            try:
                handler(view, self.lookups)
            except ElementProblem as exc:
                if not quiet:
                    counts.rejected += 1
                    path = f"{top.path}/{exc.path}"
                    yield rejection(self.where, name, top.line, path, exc.reason, None, _sid(view))
                continue
            if quiet:
                continue
            counts.folded += 1
            sid = _sid(view)
            if sid is not None:
                self.lookups.extras[sid].origins.append((name, top.line, top.path))

    def _record(self, file: str, top: Top, view: View, kind: RecordKind) -> Item | None:
        sid = view.text(*kind.student)
        try:
            fields = kind.map(view, self.lookups)
        except ElementProblem as exc:
            if kind.later is None:
                return self._refused(file, top, kind, sid, exc)
            self._keep(kind, file, top, sid, None, exc)
            return None
        if kind.later is None:
            return self._checked(file, top, kind, sid, fields)
        self._keep(kind, file, top, sid, fields, None)
        return None

    def _keep(
        self, kind: RecordKind, file: str, top: Top, sid: str | None, fields: Fields | None, exc: ElementProblem | None
    ) -> None:
        problem = (exc.path, exc.reason) if exc else (None, None)
        k = next(n for n, known in enumerate(_KINDS) if known is kind)
        self.aside.add((k, file, top.name, top.line, top.root, top.number, sid, fields, *problem))

    def set_aside(self) -> Iterator[Item]:
        """The records read before the students, completed and checked now that they are known."""
        for k, file, name, line, root, number, sid, fields, path, reason in self.aside.drain():
            kind, top = _KINDS[k], Top(name, None, line, root, number)
            item: Item
            if fields is None:
                item = self._refused(file, top, kind, sid, ElementProblem(path, reason))
            else:
                item = self._checked(file, top, kind, sid, kind.later(fields, self.lookups) if kind.later else fields)
            counts = self.counts[file]
            if isinstance(item, Accepted):
                counts.accepted += 1
            else:
                counts.rejected += 1
            yield item

    def _refused(self, file: str, top: Top, kind: RecordKind, sid: str | None, exc: ElementProblem) -> Rejected:
        return rejection(self.where, file, top.line, f"{top.path}/{exc.path}", exc.reason, kind.model.FAMILY, sid)

    def _checked(self, file: str, top: Top, kind: RecordKind, sid: str | None, fields: Fields) -> Item:
        model = kind.model
        if model is not StudentRow and sid not in self.students:
            reason = f"student {sid!r} is defined by no Student element of this submission"
            return rejection(self.where, file, top.line, f"{top.path}/{kind.student[0]}", reason, model.FAMILY, sid)
        row = self.rows.check(model, fields, self.context)
        if isinstance(row, Problem):
            path = kind.paths.get(row.column or "")
            # Every Ed-Fi element is an insert: "required for action I" would only puzzle its reader.
            reason = row.reason.replace(" for action I", "")
            where = f"{top.path}/{path}" if path else top.path
            return rejection(self.where, file, top.line, where, reason, model.FAMILY, sid)
        if model is StudentRow:  # only a child whose record is published is defined
            self.students.add(row.state_student_id)
        digest = self._seeds[model].copy()
        # The mapped values, in the mapping's fixed order: the record's identity for its event id.
        digest.update(orjson.dumps(fields))
        record: dict[str, Any] = {"event_id": digest.hexdigest()[:32], **self.envelope, **row.__dict__}
        return Accepted(model.FAMILY, row.state_student_id, record, file, top.line)

    def orphans(self) -> Iterator[Rejected]:
        """Associations naming a child that no Student element defined."""
        for sid, extra in self.lookups.extras.items():
            if sid in self.students:
                continue
            for file, line, path in extra.origins:
                counts = self.counts[file]
                counts.folded -= 1
                counts.rejected += 1
                reason = f"student {sid!r} is defined by no Student element of this submission"
                yield rejection(self.where, file, line, f"{path}/StudentReference", reason, None, sid)


def _elements(
    xml: XmlFile, interchange: str, handlers: dict[str, Handler], share: Share, namespace: str
) -> Iterator[Element | Broken]:
    """Each top-level element of ``xml``, and whether ``handlers`` reads it; not at all if it names a
    child of another share; a Broken last if the file is not well-formed."""
    for top in xml.elements(TOP_LEVEL[interchange] | _HANDLED[interchange]):
        if isinstance(top, Broken):
            yield top
            return
        if top.name not in handlers:
            yield top, False
            continue
        if share.count > 1:
            who = _CHILD_OF.get(top.name)
            if who is not None and not share.owns(_child(top.element, namespace, who)):
                continue
        yield top, True


def _viewed(elements: Iterator[Element | Broken], paths: Paths, tables: Tables) -> Iterator[Found]:
    """The elements read here, each used one with its view."""
    for found in elements:
        if isinstance(found, Broken):
            yield found
        else:
            top, used = found
            yield top, View(top.element, paths, tables) if used else None


def _read_ahead(plan: list[tuple[str, str, str, int]], share: Share, conn: Any, spool: str) -> None:
    """The reading process (``connectors.edfi.readahead``): the files of ``plan`` (path, interchange,
    namespace, pass), each element as ``_elements`` finds it, sent through ``spool`` and ``conn``."""
    # Ctrl-C reaches every process of the terminal's group: the publishing process stops this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sender = Sender(conn, spool)
    try:
        for index, (path, interchange, namespace, number) in enumerate(plan):
            xml = XmlFile(Path(path))
            handlers = PASSES[number][1]
            paths = Paths(namespace)
            for found in _elements(xml, interchange, handlers, share, namespace):
                repeated = REPEATED.get(found[0].name, ()) if not isinstance(found, Broken) else ()
                sender.found(index, xml.bytes_read, found, paths, repeated)
            sender.done(index, xml.bytes_read)
    except (BrokenPipeError, EOFError):
        return  # the publishing process stopped reading: nothing to tell
    except Exception as exc:  # the publishing process reports it: a reason, never the file's values
        sender.failed(f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        sender.close()


def _sid(view: View) -> str | None:
    return view.text(*_STUDENT_REF)


_CHILD_OF: dict[str, tuple[str, ...]] = {
    name: handler.student if isinstance(handler, RecordKind) else _STUDENT_REF
    for _, handlers in PASSES
    for name, handler in handlers.items()
    if isinstance(handler, RecordKind) or handler in (_MIGRANT, _EDORG)
}
"""Elements that name a child, and where (as their mapping reads it)."""


def _child(element: Any, namespace: str, where: tuple[str, ...]) -> str | None:
    """The student id ``View(element).text(*where)`` would give, without flattening the element:
    the first leaf at each path, in document order, stripped; an empty one passes to the next path."""
    for find in _leaf_finders(namespace, where):
        leaves = find(element)
        if leaves:
            text = (leaves[0].text or "").strip()
            if text:
                return text
    return None


@functools.lru_cache(maxsize=64)
def _leaf_finders(namespace: str, where: tuple[str, ...]) -> tuple[etree.XPath, ...]:
    # A compiled XPath: about a quarter of the time of lxml's find() on a namespaced path. `[not(*)]`
    # keeps leaves only, as flattening does.
    # (Only Ed-Fi namespaces are read: never the empty one, which XPath could not bind to a prefix.)
    return tuple(
        etree.XPath("/".join("e:" + step for step in path.split("/")) + "[not(*)]", namespaces={"e": namespace})
        for path in where
    )
