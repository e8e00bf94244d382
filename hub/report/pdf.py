"""The Consolidated Student Record Report: every section of a child's consolidated record as a PDF
a parent can keep, in English or Spanish (messages from ``i18n``; one layout for both languages).

Pure apart from ReportLab's drawing into memory: the record, the credit summary and ``today`` come in,
bytes go out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from hub.domain.record_view import SUBJECTS, courses_by_year, flags
from hub.report.i18n import Texts

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=9, leading=11)
_CELL = ParagraphStyle("cell", parent=_BODY, fontSize=8, leading=9.5)
_CELL_HEAD = ParagraphStyle("cell_head", parent=_CELL, fontName="Helvetica-Bold")
_H1 = _STYLES["Title"]
_H2 = ParagraphStyle("h2", parent=_STYLES["Heading2"], spaceBefore=10, spaceAfter=4)
_H3 = ParagraphStyle("h3", parent=_STYLES["Heading3"], fontSize=10, spaceBefore=6, spaceAfter=2)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
    ]
)


def _p(value: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph showing ``value`` as it is. Every text goes through here: a Paragraph reads its
    text as markup, so a state's value like ``<a href=...>`` would become a live link and
    ``<img src="/etc/passwd"/>`` a file read. Escaped, no text can be a tag; bold and the like come
    from the style, never from markup."""
    text = "" if value is None else str(value)
    return Paragraph(escape(_CONTROL.sub("?", text)), style)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters (not tab or line breaks): shown as a question mark, never handed to the PDF."""


def _date(_: Texts, value: Any) -> str:
    """A date in the report's language; a value that is no date is shown as it is, not a failure."""
    try:
        return _.date(value)
    except (TypeError, ValueError):
        return str(value)


def _number(_: Texts, value: Any) -> str:
    try:
        return _.number(value)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> Table:
    cells = [[_p(h, _CELL_HEAD) for h in header]]
    cells += [[_p(v, _CELL) for v in row] for row in rows]
    table = Table(cells, colWidths=[w * inch for w in widths], repeatRows=1)
    table.setStyle(_GRID)
    return table


def _yes_no(_: Texts, value: bool) -> str:
    return _("Yes") if value else _("No")


def _name(student: dict[str, Any]) -> str:
    parts = [student.get(k) for k in ("first_name", "middle_name", "last_name_1", "last_name_2", "suffix")]
    return " ".join(p for p in parts if p)


def _student(_: Texts, record: dict[str, Any]) -> list[Flowable]:
    s = record.get("student", {})
    sex = {"F": _("Female"), "M": _("Male"), "X": _("Not specified")}.get(s.get("sex") or "", "")
    birthplace = ", ".join(p for p in (s.get("birth_city"), s.get("birth_state"), s.get("birth_country")) if p)
    parents = [
        " ".join(p for p in (s.get(f"parent{i}_first_name"), s.get(f"parent{i}_last_name")) if p) for i in (1, 2)
    ]
    rows = [
        (_("Name"), _name(s)),
        (_("MSIX id"), record["msix_id"]),
        (_("Birth date"), _date(_, s.get("birth_date"))),
        (_("Sex"), sex),
        (_("Place of birth"), birthplace),
        (_("Parents or guardians"), "; ".join(p for p in parents if p)),
        (_("Qualifying arrival date"), _date(_, s.get("qad"))),
        (_("Eligibility for migrant services ends"), _date(_, s.get("eligibility_expiration_date"))),
        (
            _("State student ids"),
            ", ".join(f"{i['state']} {i['state_student_id']}" for i in record.get("state_ids", [])),
        ),
    ]
    return [_p(_("Student"), _H2), _table((_("Item"), _("Value")), rows, (2.2, 5.0))]


def _flags(_: Texts, record: dict[str, Any]) -> list[Flowable]:
    f = flags(record)
    alert = {"acute": _("Acute"), "chronic": _("Chronic")}.get(f["medical_alert"] or "", _("None reported"))
    rows = [
        (_("English learner"), _yes_no(_, f["lep"])),
        (_("Individualized education program (IEP)"), _yes_no(_, f["iep"])),
        (_("Priority for services"), _yes_no(_, f["pfs"])),
        (_("Medical alert"), alert),
        (_("Immunization record on file at"), "; ".join(f["immunization_states"]) or _("None reported")),
    ]
    return [_p(_("Programs and health"), _H2), _table((_("Item"), _("Value")), rows, (2.8, 4.4))]


def _enrollments(_: Texts, record: dict[str, Any]) -> list[Flowable]:
    rows = [
        (
            e["state"],
            e.get("school_name") or "",
            e.get("facility_city") or "",
            e.get("grade_level") or "",
            _date(_, e.get("enrollment_date")),
            _date(_, e.get("withdrawal_date")) or _("Still enrolled"),
        )
        for e in record.get("enrollments", [])
    ]
    header = (_("State"), _("School"), _("City"), _("Grade"), _("Enrolled"), _("Withdrew"))
    out: list[Flowable] = [_p(_("Schools attended"), _H2)]
    out.append(_table(header, rows, (0.6, 1.9, 1.1, 0.6, 1.5, 1.5)) if rows else _p(_("None reported"), _BODY))
    return out


def _courses(_: Texts, record: dict[str, Any]) -> list[Flowable]:
    out: list[Flowable] = [_p(_("Courses and grades"), _H2)]
    years = courses_by_year(record.get("courses", []))
    if not years:
        out.append(_p(_("None reported"), _BODY))
    for year, courses in years:
        out.append(_p(_("School year %(year)s") % {"year": year}, _H3))
        rows = [
            (
                c["state"],
                c.get("course_title") or "",
                _(SUBJECTS[c["subject_area"]]) if c.get("subject_area") in SUBJECTS else c.get("subject_area") or "",
                c.get("term_type") or "",
                c.get("final_grade") or (_("In progress") if c.get("in_progress") == "Y" else ""),
                _number(_, c.get("credits_granted")),
            )
            for c in courses
        ]
        header = (_("State"), _("Course"), _("Subject"), _("Term"), _("Grade"), _("Credits earned"))
        out.append(_table(header, rows, (0.6, 2.1, 1.9, 0.6, 1.0, 1.0)))
    return out


def _assessments(_: Texts, record: dict[str, Any]) -> list[Flowable]:
    rows = [
        (a["state"], a.get("title") or "", a.get("administration_date") or "", a.get("score") or "",
         a.get("interpretation") or "")
        for a in record.get("assessments", [])
    ]  # fmt: skip
    header = (_("State"), _("Test"), _("Month"), _("Score"), _("Result"))
    out: list[Flowable] = [_p(_("Tests"), _H2)]
    out.append(_table(header, rows, (0.6, 2.7, 0.8, 0.8, 2.3)) if rows else _p(_("None reported"), _BODY))
    return out


def _credits(_: Texts, credits: dict[str, Any] | None) -> list[Flowable]:
    if credits is None:
        return []
    req = credits["requirements"]
    rows = [
        (_(a["area"]), _number(_, a["required"]), _number(_, a["earned"]), _number(_, a["in_progress"]),
         _number(_, a["remaining"]))
        for a in credits["areas"]
    ]  # fmt: skip
    rows.append(
        (_("All credits"), _number(_, req["total"]), _number(_, credits["earned_total"]),
         _number(_, credits["in_progress_total"]), _number(_, credits["remaining"]["total"]))
    )  # fmt: skip
    verdict = (
        _("If the courses now in progress are passed, the requirements are met.")
        if credits["graduates_if_current_courses_passed"]
        else _("Even if the courses now in progress are passed, credits are still missing.")
    )
    intro = _("Credits toward graduation in %(state)s: %(name)s.") % {"state": req["state"], "name": req["name"]}
    header = (_("Requirement"), _("Required"), _("Earned"), _("In progress"), _("Still needed"))
    return [
        _p(_("Credits toward graduation"), _H2),
        _p(intro, _BODY),
        Spacer(1, 4),
        _table(header, rows, (3.2, 0.9, 0.9, 1.0, 1.2)),
        Spacer(1, 4),
        _p(verdict, _BODY),
    ]


def _correction(_: Texts) -> list[Flowable]:
    text = _(
        "If anything in this report is wrong or missing, ask the school or the migrant education program "
        "that gave you this report to record a correction request for you. Tell them which item is wrong "
        "and what it should say, or which item should be removed, and bring any paper you have that shows "
        "it (a report card, a transcript, a shot record). The hub sends each item to the state that sent "
        "it; that state decides within 10 working days, corrects or removes the item or tells you why it "
        "keeps it, and you receive a letter with each decision, in English or Spanish. A corrected record "
        "replaces this one in every state. You may ask for this report again at any time, free of charge."
    )
    return [_p(_("How to ask for a correction"), _H2), _p(text, _BODY)]


def render(record: dict[str, Any], credits: dict[str, Any] | None, lang: str, today: date) -> bytes:
    _ = Texts(lang)
    out = BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=LETTER, leftMargin=0.6 * inch, rightMargin=0.6 * inch, topMargin=0.6 * inch,
        bottomMargin=0.6 * inch, title=_("Consolidated Student Record Report"), author="MSIX", lang=lang,
    )  # fmt: skip
    story: list[Flowable] = [
        _p(_("Consolidated Student Record Report"), _H1),
        _p(_("Prepared on %(date)s from the records every state sent.") % {"date": _.date(today)}, _BODY),
    ]
    for section in (_student, _flags, _enrollments, _courses, _assessments):
        story += section(_, record)
    story += _credits(_, credits)
    story += _correction(_)
    try:
        doc.build(story)
    except LayoutError as exc:  # a cell too tall for a page; should not happen with these widths
        raise ValueError(f"the report could not be laid out: {exc}") from exc
    return out.getvalue()
