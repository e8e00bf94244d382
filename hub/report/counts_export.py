"""The child count as CSV and PDF: the suppressed tables only (a suppressed value is written ``*``).
Pure apart from ReportLab drawing into memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hub.domain import child_count as cc
from hub.domain.suppression import TOTAL
from hub.store.counts import ChildCount

SUPPRESSED = "*"
_NAMES = {1: "Category 1: eligible, resided in the state", 2: "Category 2: served in summer or intersession"}


def _shown(value: int | None) -> str:
    return SUPPRESSED if value is None else str(value)


def rows(found: ChildCount, only: str | None) -> Iterator[tuple[str, str, str, str]]:
    """(category, state or US, age/grade or "total", count) for every published value."""
    columns = [c for c in found.states if only is None or c == only]
    for k in cc.CATEGORIES:
        for column in columns:
            table = found.categories[k]
            for r in (*cc.AGE_GRADES, TOTAL):
                yield str(k), column, "total" if r == TOTAL else r, _shown(table.cell(r, column))
        for r in (*cc.AGE_GRADES, TOTAL):
            yield str(k), "US", "total" if r == TOTAL else r, _shown(found.national[k].cell(r, "US"))


def csv_text(found: ChildCount, only: str | None) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["period", "category", "state", "age_grade", "children"])
    for row in rows(found, only):
        w.writerow([found.period.label, *row])
    return out.getvalue()


def pdf_bytes(found: ChildCount, only: str | None, today: date) -> bytes:
    styles = getSampleStyleSheet()
    columns = [c for c in found.states if only is None or c == only]
    story: list[object] = [
        Paragraph(f"Child count {found.period.label}" + (f": {only}" if only else ""), styles["Title"]),
        Paragraph(
            f"{found.period.start.isoformat()} to {found.period.end.isoformat()}; printed {today.isoformat()}. "
            f"Counts from 1 to {found.categories[1].threshold - 1}, and the values that would reveal them, "
            f"are shown as {SUPPRESSED}.",
            styles["BodyText"],
        ),
    ]
    for k in cc.CATEGORIES:
        # One row a state (they flow across pages), one column an age/grade: fits any number of states.
        grades = (*cc.AGE_GRADES, TOTAL)
        header = ["State", *(("Total" if g == TOTAL else g) for g in grades)]
        body = [[c, *(_shown(found.categories[k].cell(g, c)) for g in grades)] for c in columns]
        body.append(["US", *(_shown(found.national[k].cell(g, "US")) for g in grades)])
        table = Table([header, *body], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                ]
            )
        )
        story += [Spacer(1, 10), Paragraph(_NAMES[k], styles["Heading2"]), table]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(LETTER), title=f"Child count {found.period.label}").build(story)
    return buffer.getvalue()
