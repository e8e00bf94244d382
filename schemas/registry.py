"""Every schema the hub knows: the current `*.avsc` files and snapshots of their older versions.

A message names its writer schema only by fingerprint, so the registry must know every version ever
published. `history/<Name>/<fingerprint-hex>.avsc` keeps them; `snapshot()` adds the current ones.
The hex is the fingerprint's 8 bytes in wire order, as they appear in bytes 2-9 of a message.

After changing a schema: run `tests/unit/test_schema_compat.py` (it checks the change against every
snapshot), then `python -c "import schemas; schemas.snapshot()"` and commit the new snapshot file.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import fastavro
import fastavro.schema

from schemas.errors import SchemaError, UnknownFingerprint, UnknownSchema

MARKER = b"\xc3\x01"
"""The single-object encoding's two marker bytes."""
HISTORY_DIR = "history"
SCHEMA_SUFFIX = ".avsc"


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """One version of one record schema, parsed once."""

    name: str
    """Short name, e.g. ``Enrollment``."""
    full_name: str
    """``org.msix.v1.Enrollment``."""
    raw: dict[str, Any]
    """The JSON as written in the `.avsc` file (docs and defaults included)."""
    parsed: dict[str, Any]
    """fastavro's parsed form, ready for its schemaless reader and writer."""
    fingerprint: bytes
    """CRC-64-AVRO of the Parsing Canonical Form, 8 bytes little-endian (wire order)."""

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex()

    @property
    def header(self) -> bytes:
        """The 10 bytes every message written with this version starts with."""
        return MARKER + self.fingerprint


def fingerprint(schema: Any) -> bytes:
    """CRC-64-AVRO fingerprint of a schema's Parsing Canonical Form, in wire (little-endian) order.

    The canonical form keeps only what decoding needs: docs, defaults, aliases and logical types
    do not change a fingerprint.
    """
    canonical = fastavro.schema.to_parsing_canonical_form(schema)
    return bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))


def parse_version(text: str, origin: str = "<schema>") -> SchemaVersion:
    """Parse one `.avsc` text (a record schema) into a `SchemaVersion`."""
    try:
        raw = json.loads(text)
        parsed = fastavro.parse_schema(raw)
        fp = fingerprint(raw)
    except (ValueError, TypeError, KeyError, fastavro.schema.SchemaParseException) as exc:
        raise SchemaError(f"{origin}: not a valid Avro schema: {exc}") from exc
    if not isinstance(parsed, dict) or parsed.get("type") != "record":
        raise SchemaError(f"{origin}: the top-level type must be a record")
    full_name = str(parsed["name"])
    return SchemaVersion(full_name.rpartition(".")[2], full_name, raw, parsed, fp)


class Registry:
    """Current schemas by name, and every known version by fingerprint."""

    def __init__(self, current: Iterable[SchemaVersion], history: Iterable[SchemaVersion] = ()) -> None:
        self._current: dict[str, SchemaVersion] = {}
        self._history: dict[str, list[SchemaVersion]] = {}
        self._by_fingerprint: dict[bytes, SchemaVersion] = {}
        for version in history:
            self._history.setdefault(version.name, []).append(version)
            self._by_fingerprint[version.fingerprint] = version
        for version in current:
            if version.name in self._current:
                raise SchemaError(f"two current schemas named {version.name}")
            self._current[version.name] = self._current[version.full_name] = version
            # The current version wins over a snapshot with the same fingerprint (same canonical form).
            self._by_fingerprint[version.fingerprint] = version

    @classmethod
    def load(cls, root: Traversable | None = None) -> Registry:
        """Read `root/*.avsc` and `root/history/*/*.avsc` (default: this package's folder)."""
        root = root if root is not None else files(__package__ or "schemas")
        current = [_read(entry) for entry in _schema_files(root)]
        history: list[SchemaVersion] = []
        history_root = root / HISTORY_DIR
        if history_root.is_dir():
            for folder in sorted(history_root.iterdir(), key=lambda t: t.name):
                if folder.is_dir():
                    history.extend(_read_snapshot(folder, entry) for entry in _schema_files(folder))
        return cls(current, history)

    def names(self) -> list[str]:
        """Short names of the current schemas, sorted."""
        return sorted({v.name for v in self._current.values()})

    def current(self, name: str) -> SchemaVersion:
        """The current version of a schema, by short or full name."""
        try:
            return self._current[name]
        except KeyError:
            raise UnknownSchema(f"no schema named {name!r}") from None

    def by_fingerprint(self, fp: bytes) -> SchemaVersion:
        try:
            return self._by_fingerprint[fp]
        except KeyError:
            raise UnknownFingerprint(f"unknown writer schema fingerprint {fp.hex()}") from None

    def history(self, name: str) -> list[SchemaVersion]:
        """The snapshots kept in history/ for a schema (short name), the current one included once taken."""
        return list(self._history.get(name, []))

    def versions(self) -> list[SchemaVersion]:
        """Every known version, current and historic, one per fingerprint."""
        return list(self._by_fingerprint.values())


def _schema_files(folder: Traversable) -> list[Traversable]:
    entries = (e for e in folder.iterdir() if e.is_file() and e.name.endswith(SCHEMA_SUFFIX))
    return sorted(entries, key=lambda e: e.name)


def _read(entry: Traversable) -> SchemaVersion:
    return parse_version(entry.read_text(encoding="utf-8"), entry.name)


def _read_snapshot(folder: Traversable, entry: Traversable) -> SchemaVersion:
    origin = f"{HISTORY_DIR}/{folder.name}/{entry.name}"
    version = parse_version(entry.read_text(encoding="utf-8"), origin)
    if entry.name != version.fingerprint_hex + SCHEMA_SUFFIX:
        raise SchemaError(f"{origin}: its fingerprint is {version.fingerprint_hex}, not its file name")
    if folder.name != version.name:
        raise SchemaError(f"{origin}: holds schema {version.name}, not {folder.name}")
    return version


@functools.cache
def default_registry() -> Registry:
    """The package's own schemas, loaded once."""
    return Registry.load()


def snapshot(root: Path | None = None) -> list[Path]:
    """Store the current version of every schema under `history/` unless already there.

    Returns the files written. `root` defaults to this package's source folder (a checkout, not an
    installed wheel: snapshots are meant to be committed).
    """
    root = root if root is not None else Path(__file__).resolve().parent
    written: list[Path] = []
    for path in sorted(root.glob("*" + SCHEMA_SUFFIX)):
        text = path.read_text(encoding="utf-8")
        version = parse_version(text, path.name)
        target = root / HISTORY_DIR / version.name / (version.fingerprint_hex + SCHEMA_SUFFIX)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written
