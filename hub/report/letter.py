"""The letter to a parent about their correction request, in English or Spanish (the report's message
catalogs, ``hub/locale``). Pure apart from ReportLab drawing into memory."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer

from hub.report.i18n import Texts
from hub.report.pdf import _BODY, _H1, _p, _table


def _sections(_: Texts) -> dict[str, str]:
    return {
        "student": _("Student"),
        "enrollments": _("Enrollment"),
        "courses": _("Course"),
        "assessments": _("Assessment"),
    }


def _item(_: Texts, item: dict[str, Any]) -> str:
    words = [_sections(_).get(str(item.get("section")), str(item.get("section")))]
    words += [str(item[k]) for k in ("id", "field") if item.get(k)]
    return " ".join(words)


def _decision(_: Texts, part: dict[str, Any]) -> str:
    outcome = part.get("outcome")
    if outcome == "corrected":
        return _("Corrected: the state sent a corrected record.")
    if outcome == "removed":
        return _("Removed from the record.")
    if outcome == "kept":
        return _("Kept as it was.")
    return _("Not decided yet; due by %(date)s.") % {"date": _.date(str(part["due_at"])[:10])}


def render(correction: dict[str, Any], child_name: str, lang: str, today: date) -> bytes:
    _ = Texts(lang)
    received = _.date(str(correction["received_at"])[:10])
    intro = _(
        "On %(date)s you asked us to correct or remove items of the record of %(child)s (MSIX id %(msix_id)s). "
        "Each item was sent to the state that reported it. This is what each state decided."
    ) % {"date": received, "child": child_name, "msix_id": correction["msix_id"]}
    rows = [
        (p["state"], "; ".join(_item(_, i) for i in p["items"]), _decision(_, p), p.get("reason") or "")
        for p in correction["parts"]
    ]
    header = (_("State"), _("Items"), _("Decision"), _("Reason"))
    story: list[Flowable] = [
        _p(_("Your request to correct your child's record"), _H1),
        _p(_.date(today), _BODY),
        Spacer(1, 8),
        _p(_("Dear %(name)s,") % {"name": correction["parent_name"]}, _BODY),
        Spacer(1, 4),
        _p(intro, _BODY),
        Spacer(1, 6),
        _table(header, rows, (0.6, 2.4, 2.2, 2.0)),
        Spacer(1, 8),
        _p(
            _(
                "If you disagree with a decision, contact the migrant education program of the state named "
                "above. You may ask for the Consolidated Student Record Report again at any time, free of "
                "charge."
            ),
            _BODY,
        ),
    ]
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
        lang=lang,
        title=_("Your request to correct your child's record"),
        author="MSIX",
    )
    doc.build(story)
    return out.getvalue()
