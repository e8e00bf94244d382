"""Places: the towns on the migrant streams, their school districts and schools.

``school_for`` makes up a school deterministically from a state, a town and a level, so the same
child in the same town always gets the same school, in every process.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache

# fmt: off
STATE_FIPS: dict[str, str] = {
    "TX": "48", "CA": "06", "FL": "12", "WA": "53", "MI": "26", "NC": "37", "OR": "41", "GA": "13",
    "ID": "16", "NY": "36", "AZ": "04", "OH": "39", "PA": "42", "MN": "27", "CO": "08",
}

# Towns on the migrant streams, with their school district: (city, district name).
CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "TX": (
        ("Pharr", "Pharr-San Juan-Alamo ISD"), ("Weslaco", "Weslaco ISD"), ("Edinburg", "Edinburg CISD"),
        ("Donna", "Donna ISD"), ("Mercedes", "Mercedes ISD"),
        ("Rio Grande City", "Rio Grande City Grulla ISD"), ("Eagle Pass", "Eagle Pass ISD"),
        ("Brownsville", "Brownsville ISD"), ("La Joya", "La Joya ISD"),
    ),
    "CA": (
        ("Fresno", "Fresno Unified School District"), ("Delano", "Delano Union School District"),
        ("Salinas", "Alisal Union School District"), ("Madera", "Madera Unified School District"),
        ("Visalia", "Visalia Unified School District"),
        ("Watsonville", "Pajaro Valley Unified School District"),
        ("Coachella", "Coachella Valley Unified School District"), ("Oxnard", "Oxnard School District"),
        ("Merced", "Merced City School District"),
    ),
    "FL": (
        ("Immokalee", "Collier County Public Schools"), ("Homestead", "Miami-Dade County Public Schools"),
        ("Belle Glade", "School District of Palm Beach County"),
        ("Plant City", "Hillsborough County Public Schools"),
        ("Wimauma", "Hillsborough County Public Schools"), ("Apopka", "Orange County Public Schools"),
        ("Arcadia", "DeSoto County Schools"),
    ),
    "WA": (
        ("Yakima", "Yakima School District"), ("Wapato", "Wapato School District"),
        ("Toppenish", "Toppenish School District"), ("Sunnyside", "Sunnyside School District"),
        ("Grandview", "Grandview School District"), ("Pasco", "Pasco School District"),
        ("Wenatchee", "Wenatchee School District"), ("Othello", "Othello School District"),
        ("Mattawa", "Wahluke School District"),
    ),
    "MI": (
        ("Holland", "Holland Public Schools"), ("Sparta", "Sparta Area Schools"),
        ("Hart", "Hart Public Schools"), ("Shelby", "Shelby Public Schools"),
        ("Fennville", "Fennville Public Schools"), ("South Haven", "South Haven Public Schools"),
        ("Coloma", "Coloma Community Schools"), ("Paw Paw", "Paw Paw Public Schools"),
        ("Traverse City", "Traverse City Area Public Schools"),
    ),
    "NC": (
        ("Clinton", "Sampson County Schools"), ("Newton Grove", "Sampson County Schools"),
        ("Mount Olive", "Wayne County Public Schools"), ("Faison", "Duplin County Schools"),
        ("Hendersonville", "Henderson County Public Schools"), ("Benson", "Johnston County Public Schools"),
        ("Wilson", "Wilson County Schools"),
    ),
    "OR": (
        ("Woodburn", "Woodburn School District"), ("Hood River", "Hood River County School District"),
        ("Hermiston", "Hermiston School District"), ("Salem", "Salem-Keizer School District"),
        ("Independence", "Central School District 13J"), ("Ontario", "Ontario School District"),
        ("Milton-Freewater", "Milton-Freewater Unified School District"),
    ),
    "GA": (
        ("Tifton", "Tift County Schools"), ("Moultrie", "Colquitt County Schools"),
        ("Vidalia", "Vidalia City Schools"), ("Cairo", "Grady County Schools"),
        ("Lyons", "Toombs County Schools"), ("Bainbridge", "Decatur County Schools"),
        ("Ellijay", "Gilmer County Schools"),
    ),
    "ID": (
        ("Caldwell", "Caldwell School District"), ("Nampa", "Nampa School District"),
        ("Burley", "Cassia County Joint School District"), ("Rupert", "Minidoka County School District"),
        ("Twin Falls", "Twin Falls School District"), ("Blackfoot", "Blackfoot School District"),
        ("Aberdeen", "Aberdeen School District"),
    ),
    "NY": (
        ("Albion", "Albion Central School District"), ("Sodus", "Sodus Central School District"),
        ("Wolcott", "North Rose-Wolcott Central School District"),
        ("Medina", "Medina Central School District"), ("Goshen", "Goshen Central School District"),
        ("Red Hook", "Red Hook Central School District"), ("Brockport", "Brockport Central School District"),
    ),
    "AZ": (
        ("Yuma", "Yuma Elementary School District"), ("San Luis", "Gadsden Elementary School District"),
        ("Somerton", "Somerton School District"), ("Eloy", "Eloy Elementary School District"),
    ),
    "OH": (
        ("Fremont", "Fremont City Schools"), ("Willard", "Willard City Schools"),
        ("Leipsic", "Leipsic Local Schools"), ("Celina", "Celina City Schools"),
    ),
    "PA": (
        ("Kennett Square", "Kennett Consolidated School District"),
        ("Gettysburg", "Gettysburg Area School District"),
        ("Biglerville", "Upper Adams School District"), ("Hanover", "Hanover Public School District"),
    ),
    "MN": (
        ("Willmar", "Willmar Public Schools"), ("Moorhead", "Moorhead Area Public Schools"),
        ("Owatonna", "Owatonna Public Schools"), ("Crookston", "Crookston Public Schools"),
    ),
    "CO": (
        ("Greeley", "Greeley-Evans School District 6"), ("Fort Morgan", "Fort Morgan School District"),
        ("Alamosa", "Alamosa School District"), ("Center", "Center Consolidated Schools"),
    ),
}

_PATRONS: tuple[str, ...] = (
    "César Chávez", "Dolores Huerta", "Benito Juárez", "Lincoln", "Washington", "Roosevelt",
    "Sor Juana Inés de la Cruz", "Garfield", "Kennedy", "Martin Luther King Jr.", "Sunnyside",
    "Valley View", "Riverside", "Northside", "Lorenzo de Zavala", "Ellen Ochoa", "Roberto Clemente",
)
# fmt: on

SUPPORTED_STATES: tuple[str, ...] = tuple(CITIES)


@dataclass(frozen=True, slots=True)
class School:
    """A school or MEP project; a project that is not a school has no NCES school id."""

    state: str
    city: str
    name: str
    nces_school_id: str
    nces_district_id: str
    district_name: str


def _digits(text: str, width: int) -> str:
    # crc32, not hash(): Python salts str hashes per process, and ids must be the same every run.
    return f"{zlib.crc32(text.encode()) % 10**width:0{width}d}"


@cache
def school_for(state: str, city: str, level: str) -> School:
    """The school a child of ``level`` attends in ``city``.

    Levels: ``elementary``, ``middle``, ``high``, ``summer`` (MEP summer program), ``osy`` (MEP
    out-of-school youth project), ``preschool`` (MEP home-based preschool).
    """
    district = dict(CITIES[state])[city]
    district_id = STATE_FIPS[state] + _digits(district, 5)
    patron = _PATRONS[zlib.crc32(f"{state}{city}{level}".encode()) % len(_PATRONS)]
    name = {
        "elementary": f"{patron} Elementary School",
        "middle": f"{city} Middle School",
        "high": f"{city} High School",
        "summer": f"{city} Migrant Summer Program",
        "osy": f"{district} MEP Out-of-School Youth Project",
        "preschool": f"{city} MEP Home-Based Preschool",
    }[level]
    school_id = "" if level in ("osy", "preschool") else district_id + _digits(name, 5)
    return School(state, city, name, school_id, district_id, district)
