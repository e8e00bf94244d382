"""Reading ahead in a second process (``connectors.edfi.readahead``) gives exactly what reading in
one process gives: the same items in the same order, the same counts, for good files, broken ones,
repeated children and shares; a reading process that fails is reported, one left unfinished stopped."""

from __future__ import annotations

import glob
import multiprocessing
import os
import tempfile
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from connectors.edfi.descriptors import tables
from connectors.edfi.readahead import ReadAheadFailed
from connectors.edfi.reader import EdfiSubmission, open_submission
from connectors.edfi.view import View
from connectors.edfi.xmlfile import Paths
from connectors.items import Accepted
from hub.synthetic import DEFAULT_STATES, build_world
from hub.synthetic.edfi import write_edfi
from tests.unit.edfi_helpers import MI, TX, copy, edit

AT = datetime(2026, 7, 1, tzinfo=UTC)
NS = "http://ed-fi.org/5.2.0"


def _items(sub: EdfiSubmission) -> list[tuple[str, str | None, str]]:
    return [
        (i.family if isinstance(i, Accepted) else "RejectedRecord", i.key, repr(sorted(i.record.items())))
        for i in sub.items()
    ]


def _spools() -> list[str]:
    return glob.glob(os.path.join(tempfile.gettempdir(), "msix-edfi-*.spool"))


def _same(sub: EdfiSubmission) -> list[tuple[str, str | None, str]]:
    spools = _spools()
    here, ahead = sub.reading_ahead(False), sub.reading_ahead(True)
    expected, got = _items(here), _items(ahead)
    assert got == expected
    for name in ("accepted", "rejected", "folded", "skipped"):
        assert [getattr(f, name) for f in ahead.summary.files] == [getattr(f, name) for f in here.summary.files]
    assert ahead.bytes_read == here.bytes_read == sub.total_bytes
    assert not multiprocessing.active_children()  # the reading process is gone
    assert _spools() == spools  # and its spool
    return got


def test_the_same_items_from_the_fixtures_in_both_namespaces() -> None:
    assert len(_same(open_submission(TX, "TX", AT))) > 5
    assert len(_same(open_submission(MI, "MI", AT))) == 2


def test_the_same_items_from_synthetic_submissions_and_their_shares(tmp_path: Path) -> None:
    world = build_world(seed=5, children=120, states=DEFAULT_STATES, school_year_start=2025)
    for state, folder in list(write_edfi(world, tmp_path).items())[:3]:
        sub = open_submission(folder, state, AT)
        assert len(_same(sub)) > 100, state
        _same(sub.share(1, 2))


def test_the_same_rejections_and_repeated_children(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    edorg = folder / "Interchange-EducationOrganization.xml"
    # A mailing address and a state code before the physical address and the NCES code: the mapping
    # reads each repeated child, which the reading process must send along.
    edit(edorg, "    <Address>", """    <Address>
      <City>McAllen</City>
      <StateAbbreviation>uri://ed-fi.org/StateAbbreviationDescriptor#TX</StateAbbreviation>
      <AddressType>uri://ed-fi.org/AddressTypeDescriptor#Mailing</AddressType>
    </Address>
    <Address>""")  # fmt: skip
    edit(edorg, "    <EducationOrganizationIdentificationCode>", """    <EducationOrganizationIdentificationCode>
      <IdentificationCode>TX-108912</IdentificationCode>
      <EducationOrganizationIdentificationSystem>uri://ed-fi.org/EducationOrganizationIdentificationSystemDescriptor#State</EducationOrganizationIdentificationSystem>
    </EducationOrganizationIdentificationCode>
    <EducationOrganizationIdentificationCode>""", count=2)  # fmt: skip
    edit(edorg, "</InterchangeEducationOrganization>", """  <Course>
    <CourseCode>ALG1</CourseCode>
    <CourseTitle>Algebra I</CourseTitle>
    <CourseLevelCharacteristic>uri://ed-fi.org/CourseLevelCharacteristicDescriptor#Honors</CourseLevelCharacteristic>
    <CourseLevelCharacteristic>uri://ed-fi.org/CourseLevelCharacteristicDescriptor#Basic</CourseLevelCharacteristic>
    <EducationOrganizationReference><EducationOrganizationIdentity><EducationOrganizationId>108912001</EducationOrganizationId></EducationOrganizationIdentity></EducationOrganizationReference>
  </Course>
</InterchangeEducationOrganization>""")  # fmt: skip
    assessments = folder / "Interchange-StudentAssessment.xml"
    edit(assessments, "    <ScoreResult>", """    <ScoreResult>
      <Result>71</Result>
      <ResultDatatypeType>uri://ed-fi.org/ResultDatatypeTypeDescriptor#Percentile</ResultDatatypeType>
      <AssessmentReportingMethod>uri://ed-fi.org/AssessmentReportingMethodDescriptor#Percentile</AssessmentReportingMethod>
    </ScoreResult>
    <ScoreResult>""")  # fmt: skip
    edit(folder / "Interchange-StudentEnrollment.xml", "Descriptor#Seventh grade", "Descriptor#Grade Seven")
    (folder / "Interchange-StudentProgram.xml").write_text(
        '<InterchangeStudentProgram xmlns="http://ed-fi.org/5.2.0"><StudentMigrantEducationProgramAssociation>'
    )
    (folder / "notes.xml").write_text("<Notes/>")
    items = _same(open_submission(folder, "TX", AT))
    assert sum(kind == "RejectedRecord" for kind, _, _ in items) == 3
    assessment = next(record for kind, _, record in items if kind == "Assessment")
    assert "'71'" in assessment and "'Percentile'" in assessment  # the first ScoreResult's


def test_a_view_read_elsewhere_answers_as_the_element_does() -> None:
    school = etree.fromstring(f"""<School xmlns="{NS}"><SchoolId>1</SchoolId>
        <Address><City> A </City></Address><Address><City>B</City><AddressType>x</AddressType></Address>
        <Grade>9</Grade><Grade> </Grade><Grade>10</Grade><Note>n</Note></School>""")  # fmt: skip
    paths = Paths(NS)
    here = View(school, paths, tables())
    addresses = [(a.texts, a.counts) for a in here.all("Address")]
    # As the reading process sends them: the children of a name that occurs more than once.
    shipped: dict[str, list[Any]] = {"Address": addresses, "Grade": ["9", "", "10"]}
    there = View.read(here.texts, here.counts, paths, tables(), shipped)
    for view in (here, there):
        assert [a.texts for a in view.all("Address")] == [{"City": "A"}, {"City": "B", "AddressType": "x"}]
        assert view.leaves("Grade") == ["9", "", "10"] and view.leaves("Note") == ["n"] and view.leaves("No") == []
        first = view.first("Address")
        assert first is not None and first.texts == {"City": "A"}
    with pytest.raises(LookupError, match="Grade"):
        View.read(here.texts, here.counts, paths, tables()).leaves("Grade")


def test_a_failed_reading_process_is_reported(tmp_path: Path) -> None:
    folder = copy(TX, tmp_path / "tx")
    sub = open_submission(folder, "TX", AT).reading_ahead(True)
    (folder / "Interchange-Student.xml").unlink()  # after the submission was checked: only its
    (folder / "Interchange-Student.xml").mkdir()  # reading process opens it, and fails
    with pytest.raises(ReadAheadFailed, match="IsADirectoryError"):
        list(sub.items())
    assert not multiprocessing.active_children()


def test_a_reading_left_unfinished_stops_its_process() -> None:
    items = open_submission(TX, "TX", AT).reading_ahead(True).items()
    assert isinstance(items, Generator)
    next(items)
    assert multiprocessing.active_children()
    items.close()
    assert not multiprocessing.active_children()
    assert not _spools()


def test_read_ahead_by_default_for_a_large_submission_with_a_core_to_spare(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert not open_submission(TX, "TX", AT).read_ahead  # a few kB: not worth a process
    monkeypatch.setattr("connectors.edfi.reader.READ_AHEAD_FROM", 1000)
    large = open_submission(TX, "TX", AT)
    assert large.read_ahead and large.share(0, 1).read_ahead
    assert not large.share(0, 2).read_ahead  # two shares' readings would need four cores
    assert large.reading_ahead(True).share(1, 2).read_ahead  # unless asked for
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert not open_submission(TX, "TX", AT).read_ahead
