"""Shares of an Ed-Fi submission (one per process) together give exactly what one reading gives:
the same items, each child's in the same order, the same counts; a child's elements all in one share."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.edfi.reader import EdfiSubmission, Share, open_submission
from connectors.items import Accepted, Item
from hub.synthetic import DEFAULT_STATES, build_world
from hub.synthetic.edfi import write_edfi
from tests.unit.edfi_helpers import TX, copy, edit

AT = datetime(2026, 7, 1, tzinfo=UTC)


def _key(item: Item) -> tuple[str, str]:
    kind = item.family if isinstance(item, Accepted) else "RejectedRecord"
    return kind, repr(sorted(item.record.items()))


def _check(sub: EdfiSubmission, count: int) -> list[list[Item]]:
    whole = list(sub.items())
    shares = [sub.share(i, count) for i in range(count)]
    parts = [list(s.items()) for s in shares]
    assert Counter(map(_key, whole)) == Counter(_key(i) for part in parts for i in part)
    # Per child (the Kafka key), the same order: their Student record first, then the rest in file order.
    for n, part in enumerate(parts):
        keys = {i.key for i in part}
        assert [_key(i) for i in whole if i.key in keys and (i.key is not None or n == 0)] == list(map(_key, part))
    owners = [{i.key for i in part if i.key is not None} for part in parts]
    assert sum(map(len, owners)) == len(set().union(*owners))  # no child in two shares
    for name in ("accepted", "rejected", "folded", "skipped"):
        for f, *fs in zip(sub.summary.files, *(s.summary.files for s in shares), strict=True):
            assert getattr(f, name) == sum(getattr(x, name) for x in fs), (f.file, name)
    return parts


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    world = build_world(seed=5, children=150, states=DEFAULT_STATES, school_year_start=2025)
    return write_edfi(world, tmp_path_factory.mktemp("shares"))


@pytest.mark.parametrize("count", [2, 3])
def test_shares_of_a_synthetic_submission_add_up_to_it(synthetic: dict[str, Path], count: int) -> None:
    for state, folder in synthetic.items():
        parts = _check(open_submission(folder, state, AT), count)
        assert all(len(p) > 10 for p in parts), state  # every share has children to publish


def test_shares_keep_rejections_and_orphans(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    edit(folder / "Interchange-StudentEnrollment.xml", "Descriptor#Seventh grade", "Descriptor#Grade Seven")
    edit(folder / "Interchange-StudentTranscript.xml", "<StudentUniqueId>TX-1001</StudentUniqueId>",
         "<StudentUniqueId>TX-4040</StudentUniqueId>")  # fmt: skip
    edit(folder / "Interchange-StudentProgram.xml", "<StudentUniqueId>TX-1001</StudentUniqueId>",
         "<StudentUniqueId>TX-5050</StudentUniqueId>")  # fmt: skip
    edit(folder / "Interchange-StudentEnrollment.xml", "<StudentUniqueId>TX-1001</StudentUniqueId>",
         "<StudentUniqueId> </StudentUniqueId>")  # fmt: skip
    (folder / "Interchange-StudentAssessment.xml").write_text(
        '<InterchangeStudentAssessment xmlns="http://ed-fi.org/5.2.0"><StudentAssessment>'
    )
    (folder / "notes.xml").write_text("<Notes/>")
    sub = open_submission(folder, "TX", AT)
    parts = _check(sub, 2)
    assert sub.summary.rejected == 6
    lead = [i.record["file"] for i in parts[0] if not isinstance(i, Accepted) and i.key is None]
    # What names no child is share 0's: a broken file, a file of no interchange, an element without a child.
    assert sorted(lead) == ["Interchange-StudentAssessment.xml", "Interchange-StudentEnrollment.xml", "notes.xml"]


def test_a_share_is_one_of_count() -> None:
    sub = open_submission(TX, "TX", AT)
    with pytest.raises(ValueError):
        sub.share(2, 2)
    assert Share().owns(None) and Share().owns("TX-1")
    assert Share(0, 2).owns(None) and not Share(1, 2).owns(None)
    assert Share(0, 2).owns("TX-1001") != Share(1, 2).owns("TX-1001")
