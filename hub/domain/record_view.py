"""The consolidated record arranged for people to read: SCED subject names, courses by school year,
the flags a school needs first. Pure: the consolidated record in, plain values out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SUBJECTS = {
    "01": "English language and literature",
    "02": "Mathematics",
    "03": "Life and physical sciences",
    "04": "Social sciences and history",
    "05": "Fine and performing arts",
    "07": "Religious education and theology",
    "08": "Physical, health and safety education",
    "09": "Military science",
    "10": "Information technology",
    "11": "Communication and audio/visual technology",
    "12": "Business and marketing",
    "13": "Manufacturing",
    "14": "Health care sciences",
    "15": "Public, protective and government service",
    "16": "Hospitality and tourism",
    "17": "Architecture and construction",
    "18": "Agriculture, food and natural resources",
    "19": "Human services",
    "20": "Transportation, distribution and logistics",
    "21": "Engineering and technology",
    "22": "Miscellaneous",
    "23": "Non-subject-specific",
    "24": "World languages",
}


def courses_by_year(courses: Iterable[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """School years newest first; within a year, as the record sorts them."""
    years: dict[str, list[dict[str, Any]]] = {}
    for c in courses:
        years.setdefault(c.get("school_year") or "unknown", []).append(c)
    return sorted(years.items(), key=lambda kv: kv[0], reverse=True)


def flags(record: dict[str, Any]) -> dict[str, Any]:
    """English learner, IEP, priority for services: yes if any state's newest enrollment says so;
    whether any state reports a medical alert; which states hold an immunization record."""
    enrollments = record.get("enrollments", [])
    latest: dict[str, dict[str, Any]] = {}
    for e in enrollments:  # sorted by enrollment date, so the last one per state wins
        latest[e["state"]] = e
    newest = list(latest.values())
    alerts = sorted({e.get("medical_alert") for e in enrollments if e.get("medical_alert") in ("C", "A")})
    return {
        "lep": any(e.get("lep") == "Y" for e in newest),
        "iep": any(e.get("iep") == "Y" for e in newest),
        "pfs": any(e.get("pfs") == "Y" for e in newest),
        "medical_alert": "acute" if "A" in alerts else "chronic" if "C" in alerts else None,
        "immunization_states": sorted(
            {
                f"{e['state']}: {e.get('school_name') or ''}".rstrip(": ")
                for e in enrollments
                if e.get("immunization_record") == "Y"
            }
        ),
    }
