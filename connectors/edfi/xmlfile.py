"""One Ed-Fi interchange file, read as a stream of its top-level elements.

lxml's pull parser builds each top-level element (a Student, a StudentSchoolAssociation...) and
hands it over whole; once the caller is done with it, the element and every sibling before it are
removed from the tree, so memory stays flat whatever the file's size. Bytes are counted as they are
fed to libxml2, for a progress bar.

A file that is not well-formed XML stops at the first error, which is reported with its line and
column. The promise: every top-level element that closes before the error is read, nothing after it
can be. It holds whatever lxml's own buffering: the file is fed in chunks of ``CHUNK`` bytes, and
the events parsed before an error are drained after it (``iterparse`` in lxml 6 drops the events
of the chunk that holds the error, so an element just before a break was lost or not by chance).

A file with a DOCTYPE is refused whole, by ``head`` before anything of it is read (``_doctype``):
no entity is expanded and nothing outside the file is read.

Namespaces: every Ed-Fi Data Standard 5.x and 6.x namespace (``http://ed-fi.org/5.2.0``,
``http://ed-fi.org/6.1.0``...) is accepted, and elements are found by local name within the file's own
namespace, so one mapping reads every version.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

EDFI_NAMESPACE = re.compile(r"^http://ed-fi\.org/[56]\.[0-9]+(\.[0-9]+)?(-[A-Za-z0-9.]+)?$")
"""Ed-Fi Data Standard 5.x and 6.x bulk XML namespaces."""


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs 0.8 µs more, per element
class Top:
    """A top-level element of an interchange, complete."""

    name: str
    """Its local name, e.g. ``Student``."""
    element: Any
    """The lxml element; valid only until the stream moves on."""
    line: int
    root: str
    """The interchange's local name, e.g. ``InterchangeStudent``."""
    number: int
    """1 for the file's first element of this name."""

    @property
    def path(self) -> str:
        """e.g. ``/InterchangeStudent/Student[3]``: the third Student of the file (for rejections only,
        so built only when asked for)."""
        return f"/{self.root}/{self.name}[{self.number}]"


@dataclass(frozen=True, slots=True)
class Broken:
    """Where and why the file stopped being readable."""

    line: int
    column: int
    reason: str


@dataclass(frozen=True, slots=True)
class Head:
    """What the root element says: which interchange, in which namespace."""

    interchange: str
    namespace: str


class _Counting:
    """A binary file whose bytes read so far are counted."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.count += len(data)
        return data


CHUNK = 64 * 1024
"""Bytes fed to the parser at a time: large enough that feeding costs nothing next to parsing,
small enough that a progress bar moves and memory stays flat."""


# No entities resolved and nothing fetched from the network: a state's file may not make the hub read
# local files or call out (XXE). Comments and processing instructions are of no use.
_SAFE: dict[str, Any] = {"resolve_entities": False, "no_network": True, "remove_comments": True, "remove_pis": True}


DOCTYPE_REFUSED = (
    "a DOCTYPE is not allowed in an Ed-Fi file (its entities could expand without end or read "
    "local files): the file is not read"
)


def _doctype(element: Any) -> Broken | None:
    """A Broken if the document of ``element`` has a DOCTYPE. Ed-Fi interchanges are checked by XSD,
    never by DTD, so a DOCTYPE only brings entities: internal ones (a billion laughs; lxml hands
    out an unexpanded reference the mapping cannot read) and external ones (a local file, a URL).
    The parser resolves none of them (``_SAFE``); the file is refused before any of it is used."""
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.system_url or info.public_id:
        return Broken(1, 0, DOCTYPE_REFUSED)
    return None


def _broken(exc: etree.XMLSyntaxError) -> Broken:
    line, column = exc.position if exc.position else (exc.lineno or 0, 0)
    message = str(exc.msg or exc).split(" Bytes:")[0].strip()  # never quote the file's bytes back
    return Broken(line or 0, column or 0, f"malformed XML: {message[:160]}")


def _local(tag: Any) -> tuple[str, str]:
    text = str(tag)
    if text.startswith("{"):
        namespace, _, name = text[1:].partition("}")
        return namespace, name
    return "", text


TOP_LEVEL: dict[str, frozenset[str]] = {
    "InterchangeStudent": frozenset({"Student", "Person"}),
    "InterchangeStudentEnrollment": frozenset({
        "StudentSchoolAssociation", "StudentSectionAssociation", "GraduationPlan", "CrisisEvent",
        "StudentEducationOrganizationResponsibilityAssociation", "StudentEducationOrganizationAssociation",
        "StudentTransportation", "SectionReference",
    }),
    "InterchangeStudentTranscript": frozenset({"StudentAcademicRecord", "CourseTranscript"}),
    "InterchangeStudentAssessment": frozenset({
        "StudentAssessment", "AssessmentReference", "AssessmentItemReference", "ObjectiveAssessmentReference",
    }),
    "InterchangeStudentProgram": frozenset({
        "StudentProgramAssociation", "StudentSpecialEducationProgramAssociation", "RestraintEvent",
        "StudentCTEProgramAssociation", "StudentTitleIPartAProgramAssociation",
        "StudentMigrantEducationProgramAssociation", "StudentLanguageInstructionProgramAssociation",
        "StudentHomelessProgramAssociation", "StudentNeglectedOrDelinquentProgramAssociation",
        "StudentSchoolFoodServiceProgramAssociation",
    }),
    "InterchangeEducationOrganization": frozenset({
        "StateEducationAgency", "EducationServiceCenter", "FeederSchoolAssociation", "LocalEducationAgency",
        "School", "Location", "ClassPeriod", "Course", "Program", "AccountabilityRating",
        "EducationOrganizationPeerAssociation", "EducationOrganizationNetwork",
        "EducationOrganizationNetworkAssociation", "CommunityOrganization", "CommunityProvider",
        "CommunityProviderLicense", "PostSecondaryInstitution", "OrganizationDepartment",
    }),
    "InterchangeAssessmentMetadata": frozenset({
        "Assessment", "ObjectiveAssessment", "AssessmentItem", "LearningStandard",
        "AssessmentScoreRangeLearningStandard",
    }),
}  # fmt: skip
"""The top-level elements each interchange's XSD allows (the Data Standard's Interchange-*.xsd)."""


class XmlFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.size = path.stat().st_size
        self.bytes_read = 0

    def head(self) -> Head | Broken:
        """The root element's name and namespace, reading only as far as the root's start tag."""
        parser = etree.XMLPullParser(events=("start",), **_SAFE)
        with self.path.open("rb") as fh:
            for started in _events(parser, _Counting(fh)):
                if isinstance(started, Broken):
                    return started
                refused = _doctype(started)  # declared before the root: known by its start tag
                if refused is not None:
                    return refused
                namespace, name = _local(started.tag)
                return Head(name, namespace)
        return Broken(1, 0, "malformed XML: the file is empty")

    def elements(self, names: frozenset[str]) -> Iterator[Top | Broken]:
        """Each top-level element called one of ``names`` (any namespace), in file order; a Broken
        last if the file is not well-formed.

        Only those elements reach Python (libxml2 filters the rest), which is most of the speed: give
        every name the interchange allows (``TOP_LEVEL``), so each element is seen and then dropped.
        An element of another name stays in the tree until the next one named is done with.
        """
        self.bytes_read = 0
        parser = etree.XMLPullParser(events=("end",), tag=[f"{{*}}{n}" for n in sorted(names)], **_SAFE)
        with self.path.open("rb") as fh:
            source = _Counting(fh)
            seen: dict[str, int] = {}
            cut = 0
            root_name = ""
            root: Any = None
            broken: Broken | None = None
            for ended in _events(parser, source):
                if isinstance(ended, Broken):
                    broken = ended
                    break
                element = ended
                parent = element.getparent()
                if parent is not root:  # lxml hands out one proxy per node while it is referenced
                    if parent is None or parent.getparent() is not None or root is not None:
                        continue  # the root itself, or a nested element of the same name (a reference)
                    root = parent
                    # head() refused a DOCTYPE; checked again (once a file) in case the file changed since.
                    broken = _doctype(root)
                    if broken is not None:
                        break
                tag = element.tag
                if not cut:
                    cut = tag.find("}") + 1
                    root_name = root.tag[cut:]
                name = tag[cut:]
                seen[name] = number = seen.get(name, 0) + 1
                self.bytes_read = source.count
                # Drop whatever came before it: elements done with, elements of other names.
                while element.getprevious() is not None:
                    del root[0]
                yield Top(name, element, element.sourceline or 0, root_name, number)
                element.clear(keep_tail=False)
        self.bytes_read = self.size
        if broken is not None:
            yield broken


def _events(parser: Any, source: _Counting) -> Iterator[Any]:
    """The elements of ``parser``'s events, fed ``source`` a chunk at a time; a Broken last if the
    file is not well-formed, after every element that ended before the error."""
    try:
        while chunk := source.read(CHUNK):
            parser.feed(chunk)
            for _, element in parser.read_events():
                yield element
    except etree.XMLSyntaxError as exc:
        for _, element in parser.read_events():  # parsed before the error, in the same chunk
            yield element
        yield _broken(exc)
        return
    try:
        parser.close()
    except etree.XMLSyntaxError as exc:
        # A file cut short: the events close() would give are the elements it closed by force, never
        # ended in the file, so none is read.
        yield _broken(exc)
        return
    for _, element in parser.read_events():
        yield element


def flatten_shaped(element: Any, namespace: str) -> tuple[tuple[str, ...], tuple[str | None, ...], dict[str, int]]:
    """The leaves below ``element``, the first of each path: their paths (``"Name/FirstName"``) and
    their texts, in one order, and how many elements below it have each path, leaves or not
    (``{"ScoreResult": 2, ...}``). The paths and the counts are the element's shape's own, one object
    per shape, shared: read only (and told apart by identity).

    Elements of one kind come in few shapes (which optional children they have), so the paths of a
    shape are worked out once: for the next element of that shape, the leaves' texts are picked by
    their position in ``element.iter()``. The shape is the nodes' tags and child counts in document
    order, which is the tree itself. Measured on CourseTranscripts: about half the time of walking
    each element's children in Python.
    """
    nodes = list(element.iter())
    cut = len(namespace) + 2 if namespace else 0
    shape = (cut, *map(_TAG, nodes), *map(len, nodes))
    plan = _PLANS.get(shape)
    if plan is None:
        if len(_PLANS) >= _MAX_PLANS:  # an unusual submission with many shapes: start over
            _PLANS.clear()
        plan = _PLANS[shape] = _plan(element, cut)
    paths, pick, counts = plan
    return paths, tuple(map(_TEXT, pick(nodes))), counts


_TAG = operator.attrgetter("tag")
_TEXT = operator.attrgetter("text")
_Plan = tuple[tuple[str, ...], Callable[[list[Any]], Iterable[Any]], dict[str, int]]
_PLANS: dict[tuple[Any, ...], _Plan] = {}
_MAX_PLANS = 4096


def _plan(element: Any, cut: int) -> _Plan:
    """(paths, a function picking their nodes from ``list(element.iter())``, counts) of the first leaf
    of each path below ``element``: an ``itemgetter`` picks them in C, a list comprehension cost ~1 µs
    more."""
    found: dict[str, int] = {}
    counts: dict[str, int] = {}
    position = 0

    def walk(parent: Any, prefix: str) -> None:
        nonlocal position
        for child in parent:  # document order, as element.iter() after the element itself
            position += 1
            path = prefix + child.tag[cut:]
            counts[path] = counts.get(path, 0) + 1
            if len(child):
                walk(child, path + "/")
            elif path not in found:
                found[path] = position

    walk(element, "")
    positions = tuple(found.values())
    if len(positions) == 1:  # itemgetter of one position gives the item itself, not a tuple
        return tuple(found), lambda nodes: (nodes[positions[0]],), counts
    return tuple(found), operator.itemgetter(*positions) if positions else lambda nodes: (), counts


class Paths:
    """Clark-notation paths in one namespace, built once: ``p("Name/FirstName")``."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._prefix = "{" + namespace + "}" if namespace else ""
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        found = self._cache.get(path)
        if found is None:
            found = self._cache[path] = "/".join(self._prefix + step for step in path.split("/"))
        return found
