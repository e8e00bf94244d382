import pytest

from hub.domain.merge import Stored, merge
from tests.unit.factories import T0, T1, T2, enrollment


def stored(ts, deleted=False, eid="x"):
    return Stored(None if deleted else {"enrollment_id": "E1"}, ts, eid)


@pytest.mark.parametrize(
    ("current", "action", "ts", "expect"),
    [
        (None, "I", T1, "live"),  # first insert
        (None, "U", T1, "live"),  # update of a record never seen: kept
        (None, "D", T1, "tombstone"),  # delete of a record never seen: remembered, so an older I stays dead
        (stored(T1), "U", T2, "live"),  # newer update applies
        (stored(T1), "D", T2, "tombstone"),  # newer delete applies
        (stored(T2), "U", T1, "unchanged"),  # older update (late arrival) ignored
        (stored(T2, deleted=True), "I", T1, "unchanged"),  # older insert after a delete stays deleted
        (stored(T1), "D", T1, "tombstone"),  # same submission: file order decides
        (stored(T1, deleted=True), "I", T2, "live"),  # re-inserted later
    ],
)
def test_merge_rules(current, action, ts, expect):
    result = merge(current, enrollment(action=action, ts=ts))
    if expect == "unchanged":
        assert result is None
    else:
        assert result is not None
        assert result.source_ts == ts
        assert result.deleted is (expect == "tombstone")


def test_update_replaces_whole_row():
    first = merge(None, enrollment(ts=T0, city="Weslaco"))
    second = merge(first, enrollment(ts=T1, action="U", city="Pharr"))
    assert second is not None and second.fields is not None
    assert second.fields["facility_city"] == "Pharr"
    assert first is not None and first.fields["facility_city"] == "Weslaco"  # the old version is untouched
