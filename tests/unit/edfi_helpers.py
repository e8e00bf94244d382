"""Shared by the Ed-Fi tests: the hand-written fixtures, the Data Standard's XSDs, reading helpers."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from lxml import etree

from connectors.edfi.reader import open_submission
from connectors.items import Accepted, Item, Rejected

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TX = FIXTURES / "edfi" / "tx"
"""Ed-Fi 5.2: two children, a school and district, a migrant program, courses and a test."""
MI = FIXTURES / "edfi" / "mi"
"""Ed-Fi 6.1: the same boy, arrived in Michigan."""
XSD = FIXTURES / "edfi-xsd"
AT = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)


def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def read(folder: Path, state: str = "TX", at: datetime | None = AT) -> list[Item]:
    return list(open_submission(folder, state, at).items())


def accepted(items: list[Item], family: str | None = None) -> list[dict]:
    return [i.record for i in items if isinstance(i, Accepted) and (family is None or i.family == family)]


def rejected(items: list[Item]) -> list[dict]:
    return [i.record for i in items if isinstance(i, Rejected)]


@cache
def schema(interchange_file: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD / interchange_file.replace(".xml", ".xsd"))))


def xsd_errors(path: Path, as_namespace: str = "http://ed-fi.org/5.2.0") -> list[str]:
    """Errors of ``path`` against its interchange's 5.2 XSD (a 6.x file is checked as if 5.2)."""
    doc = etree.parse(str(path))
    root = doc.getroot()
    if root.nsmap.get(None) != as_namespace:
        text = etree.tostring(doc).decode().replace(root.nsmap[None], as_namespace)
        doc = etree.ElementTree(etree.fromstring(text.encode()))
    xsd = schema(path.name)
    return [] if xsd.validate(doc) else [str(e) for e in xsd.error_log]
