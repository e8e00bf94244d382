"""One Ed-Fi interchange file, read as a stream of its top-level elements.

lxml's ``iterparse`` builds each top-level element (a Student, a StudentSchoolAssociation...) and
hands it over whole; once the caller is done with it, the element and every sibling before it are
removed from the tree, so memory stays flat whatever the file's size. Bytes are counted as libxml2
reads them, for a progress bar. A file that is not well-formed XML stops at the first error, which is
reported with its line and column: what came before it has been read, nothing after it can be.

Namespaces: every Ed-Fi Data Standard 5.x and 6.x namespace (``http://ed-fi.org/5.2.0``,
``http://ed-fi.org/6.1.0``...) is accepted, and elements are found by local name within the file's own
namespace, so one mapping reads every version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

EDFI_NAMESPACE = re.compile(r"^http://ed-fi\.org/[56]\.[0-9]+(\.[0-9]+)?(-[A-Za-z0-9.]+)?$")
"""Ed-Fi Data Standard 5.x and 6.x bulk XML namespaces."""


@dataclass(frozen=True, slots=True)
class Top:
    """A top-level element of an interchange, complete."""

    name: str
    """Its local name, e.g. ``Student``."""
    element: Any
    """The lxml element; valid only until the stream moves on."""
    line: int
    path: str
    """e.g. ``/InterchangeStudent/Student[3]``: the third Student of the file."""


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


def _events(source: _Counting) -> Any:
    # No entities resolved and nothing fetched from the network: a state's file may not make the hub
    # read local files or call out (XXE). Comments and processing instructions are of no use.
    return etree.iterparse(
        source,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )


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


class XmlFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.size = path.stat().st_size
        self.bytes_read = 0

    def head(self) -> Head | Broken:
        """The root element's name and namespace, reading only as far as the root's start tag."""
        with self.path.open("rb") as fh:
            try:
                for _, element in _events(_Counting(fh)):
                    namespace, name = _local(element.tag)
                    return Head(name, namespace)
            except etree.XMLSyntaxError as exc:
                return _broken(exc)
        return Broken(1, 0, "malformed XML: the file is empty")

    def elements(self) -> Iterator[Top | Broken]:
        """Each top-level element, in file order; a Broken last if the file is not well-formed."""
        self.bytes_read = 0
        with self.path.open("rb") as fh:
            source = _Counting(fh)
            depth = 0
            root_name = ""
            seen: dict[str, int] = {}
            try:
                for event, element in _events(source):
                    if event == "start":
                        depth += 1
                        if depth == 1:
                            root_name = _local(element.tag)[1]
                        continue
                    depth -= 1
                    if depth != 1:
                        continue
                    name = _local(element.tag)[1]
                    seen[name] = number = seen.get(name, 0) + 1
                    self.bytes_read = source.count
                    yield Top(name, element, element.sourceline or 0, f"/{root_name}/{name}[{number}]")
                    # Done with it: drop it and whatever came before it (text, skipped elements).
                    element.clear(keep_tail=False)
                    parent = element.getparent()
                    if parent is not None:
                        while element.getprevious() is not None:
                            del parent[0]
            except etree.XMLSyntaxError as exc:
                self.bytes_read = self.size
                yield _broken(exc)
        self.bytes_read = self.size


class Paths:
    """Clark-notation paths in one namespace, built once: ``p("Name/FirstName")``."""

    def __init__(self, namespace: str) -> None:
        self._prefix = "{" + namespace + "}" if namespace else ""
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        found = self._cache.get(path)
        if found is None:
            found = self._cache[path] = "/".join(self._prefix + step for step in path.split("/"))
        return found
