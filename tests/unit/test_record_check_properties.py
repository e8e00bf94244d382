"""Properties of decode -> check, whatever a state writes to its topic: it never raises, and whatever
it accepts obeys every limit (checked here independently of the rules' own code)."""

from __future__ import annotations

import io
import json
import unicodedata
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import fastavro
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schemas
from connectors import limits
from connectors.limits import Code, Text, rules_of
from connectors.mde.rows import ROW_MODELS, Row
from consumers.decoding import DeadLetter, Parked, decode_message
from hub.domain.records import Event
from producers.topics import Topics

NOW = datetime(2025, 9, 16, 12, tzinfo=UTC)
TOPICS = Topics("")
FAMILIES = {model.FAMILY: model for model in ROW_MODELS}
# Nasty characters in with the ordinary ones: controls, NUL, separators, accents, astral planes.
CHARS = st.one_of(
    st.sampled_from("aZ09 -'.ñÁü漢😀\u00a0\u2028\u200d"),
    st.sampled_from("\x00\t\n\r\x1f\x7f\x85\x9f"),
    st.characters(exclude_categories=("Cs",)),
)


def _rule(model: type[Row], name: str) -> Any:
    info = model.model_fields.get(name)
    return rules_of(info.annotation, info.metadata)[0] if info is not None else None


def _text(rule: Any) -> st.SearchStrategy[str]:
    if isinstance(rule, Code):
        return st.one_of(st.sampled_from(sorted(rule.codes)), st.text(CHARS, max_size=8))
    limit = rule.limit if isinstance(rule, Text) else 14
    plausible = st.text(st.sampled_from("abcXYZ0129-"), min_size=1, max_size=limit)
    return st.one_of(plausible, st.text(CHARS, max_size=limit + 3), st.just("x" * (limit + 1)))


def _field(model: type[Row], field: dict[str, Any]) -> st.SearchStrategy[Any]:
    name, kind = field["name"], field["type"]
    if name == "event_id":
        return st.one_of(st.builds(lambda: uuid.uuid4().hex), st.text(CHARS, max_size=33))
    if name == "state":
        return st.sampled_from(["TX", "TX", "CA", "tx"])
    if name == "source_ts":
        near = st.datetimes(datetime(2020, 1, 1), datetime(2026, 1, 1), timezones=st.just(UTC))
        return st.one_of(near, st.datetimes(timezones=st.just(UTC)))
    nullable = isinstance(kind, list)
    branch = next(k for k in kind if k != "null") if nullable else kind
    logical = branch.get("logicalType") if isinstance(branch, dict) else None
    if logical == "date":
        value: st.SearchStrategy[Any] = st.one_of(st.dates(date(2000, 1, 1), date(2030, 1, 1)), st.dates())
    elif logical == "decimal":
        value = st.decimals(-(10**9), 10**9, allow_nan=False, allow_infinity=False, places=3)
    else:
        value = _text(_rule(model, name) or Text(limits.ID))
    return st.one_of(st.none(), value) if nullable else value


def _records(family: str) -> st.SearchStrategy[dict[str, Any]]:
    raw = schemas.default_registry().current(family).raw
    model = FAMILIES[family]
    return st.fixed_dictionaries({f["name"]: _field(model, f) for f in raw["fields"]})


def _encode(family: str, value: dict[str, Any]) -> bytes:
    """As a state's own client could: any decimal precision (the fingerprint does not carry it)."""
    version = schemas.default_registry().current(family)
    raw = json.loads(json.dumps(version.raw).replace('"precision": 8', '"precision": 30'))
    out = io.BytesIO()
    out.write(version.header)
    fastavro.schemaless_writer(out, fastavro.parse_schema(raw), value)
    return out.getvalue()


RECORDS = st.sampled_from(sorted(FAMILIES)).flatmap(lambda f: st.tuples(st.just(f), _records(f)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS)
def test_schema_valid_records_never_raise_and_what_passes_obeys_every_limit(case: tuple[str, dict[str, Any]]) -> None:
    family, value = case
    result = decode_message(TOPICS, "state.TX.records", 0, 5, b"k", _encode(family, value), NOW)
    assert isinstance(result, Event | DeadLetter)
    if isinstance(result, DeadLetter):
        assert result.value["reason"] and not isinstance(result, Parked)
        schemas.encode("RejectedRecord", result.value)
        return
    _obeys_every_limit(FAMILIES[family], result)


def _obeys_every_limit(model: type[Row], event: Event) -> None:
    assert event.state == "TX" and event.action in {"I", "U", "D"}
    assert len(event.event_id) == 32 and set(event.event_id) <= set("0123456789abcdef")
    assert datetime(2000, 1, 1, tzinfo=UTC) <= event.source_ts <= NOW + timedelta(hours=1)
    latest = event.source_ts.date() + timedelta(days=15 * 366)
    values = {"state_student_id": event.state_student_id, "action": event.action, **event.fields}
    for name, v in values.items():
        rule = _rule(model, name)
        if v is None:
            continue
        if isinstance(v, str):
            allowed = {"\t", "\n", "\r"} if name == "comment" else set()
            assert not any(unicodedata.category(c) == "Cc" and c not in allowed for c in v), name
            if isinstance(rule, Text):
                assert len(v) <= rule.limit, name
            if isinstance(rule, Code):
                assert v in rule.codes, name
        elif isinstance(v, date):
            assert date(1900, 1, 1) <= v <= min(date(2099, 12, 31), latest), name
        elif isinstance(v, Decimal):
            assert 0 <= v < 100000, name
    if model.FAMILY == "StudentIdentity" and event.fields["birth_date"] is not None:
        assert event.fields["birth_date"] <= event.source_ts.date()
    for name in model.REQUIRED if event.action != "D" else ():
        assert values[name] is not None


HEADERS = [v.header for v in schemas.default_registry().versions()]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.tuples(st.sampled_from(HEADERS), st.binary(max_size=300)).map(b"".join)))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = decode_message(TOPICS, "state.TX.records", 0, 9, data[:10] or None, data, NOW)
    assert isinstance(result, Event | DeadLetter)
    if isinstance(result, DeadLetter):
        schemas.encode("RejectedRecord", result.value)
