"""The credits answer as JSON (the contract's shape). Pure: a credit summary in, a dictionary out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.domain.credits import CreditSummary


def _n(value: Decimal) -> float:
    return float(value)


def credits_json(msix_id: str, summary: CreditSummary) -> dict[str, Any]:
    req = summary.requirements
    areas = [
        {
            "area": s.area.name,
            "subjects": list(s.area.subjects),
            "required": _n(s.area.credits),
            "earned": _n(s.earned),
            "in_progress": _n(s.in_progress),
            "remaining": _n(s.remaining),
            "missing_if_current_passed": _n(s.missing_after_current),
        }
        for s in summary.areas
    ]
    return {
        "msix_id": msix_id,
        "state": req.state,
        "requirements": {"state": req.state, "name": req.name, "source": req.source, "total": _n(req.total)},
        "earned": {k: _n(v) for k, v in summary.earned.items()},
        "in_progress": {k: _n(v) for k, v in summary.in_progress.items()},
        "required": {**{a["area"]: a["required"] for a in areas}, "total": _n(req.total)},
        "remaining": {**{a["area"]: a["remaining"] for a in areas}, "total": _n(summary.remaining_total)},
        "missing_if_current_passed": {
            **{a["area"]: a["missing_if_current_passed"] for a in areas},
            "total": _n(summary.missing_total_after_current),
        },
        "earned_total": _n(summary.earned_total),
        "in_progress_total": _n(summary.in_progress_total),
        "areas": areas,
        "requirements_met": summary.requirements_met,
        "graduates_if_current_courses_passed": summary.graduates_if_current_courses_passed,
        "courses": [
            {
                "state": c.course.get("state"),
                "course_id": c.course.get("course_id"),
                "school_year": c.course.get("school_year"),
                "term_type": c.course.get("term_type"),
                "course_title": c.course.get("course_title"),
                "subject_area": c.course.get("subject_area"),
                "final_grade": c.course.get("final_grade"),
                "status": c.status,
                "credits": _n(c.credits),
            }
            for c in summary.courses
        ],
    }
