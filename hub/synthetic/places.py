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
    "AL": "01", "AK": "02", "AR": "05", "CT": "09", "DE": "10", "IL": "17", "IN": "18", "IA": "19",
    "KS": "20", "KY": "21", "LA": "22", "ME": "23", "MD": "24", "MA": "25", "MS": "28", "MO": "29",
    "MT": "30", "NE": "31", "NV": "32", "NJ": "34", "NM": "35", "ND": "38", "OK": "40", "SC": "45",
    "SD": "46", "TN": "47", "UT": "49", "VT": "50", "VA": "51", "WI": "55", "WY": "56",
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
    # The other states with a Migrant Education Program (see NATIONAL_STATES in benchmark.py), each
    # with towns where migrant families work: orchards, packing sheds, meat and poultry plants, fishing.
    "AL": (
        ("Albertville", "Albertville City Schools"), ("Boaz", "Boaz City Schools"),
        ("Collinsville", "DeKalb County Schools"), ("Foley", "Baldwin County Public Schools"),
        ("Russellville", "Russellville City Schools"),
    ),
    "AK": (
        ("Dillingham", "Dillingham City School District"), ("Naknek", "Bristol Bay Borough School District"),
        ("Kodiak", "Kodiak Island Borough School District"), ("Bethel", "Lower Kuskokwim School District"),
        ("Cordova", "Cordova City School District"),
    ),
    "AR": (
        ("Springdale", "Springdale School District"), ("Rogers", "Rogers Public Schools"),
        ("De Queen", "De Queen School District"), ("Hope", "Hope School District"),
        ("Dumas", "Dumas School District"),
    ),
    "CT": (
        ("Windham", "Windham Public Schools"), ("New Britain", "Consolidated School District of New Britain"),
        ("Danbury", "Danbury Public Schools"), ("Norwalk", "Norwalk Public Schools"),
    ),
    "DE": (
        ("Georgetown", "Indian River School District"), ("Seaford", "Seaford School District"),
        ("Milford", "Milford School District"), ("Bridgeville", "Woodbridge School District"),
    ),
    "IL": (
        ("Rochelle", "Rochelle Community Consolidated School District 231"),
        ("Kankakee", "Kankakee School District 111"), ("Cobden", "Cobden Unit School District 17"),
        ("Mendota", "Mendota Community Consolidated School District 289"),
        ("Beardstown", "Beardstown Community Unit School District 15"),
    ),
    "IN": (
        ("Plymouth", "Plymouth Community School Corporation"), ("Goshen", "Goshen Community Schools"),
        ("Logansport", "Logansport Community School Corporation"),
        ("Vincennes", "Vincennes Community School Corporation"), ("Frankfort", "Community Schools of Frankfort"),
    ),
    "IA": (
        ("Muscatine", "Muscatine Community School District"),
        ("Columbus Junction", "Columbus Community School District"),
        ("West Liberty", "West Liberty Community School District"),
        ("Storm Lake", "Storm Lake Community School District"), ("Denison", "Denison Community School District"),
    ),
    "KS": (
        ("Garden City", "Garden City USD 457"), ("Dodge City", "Dodge City USD 443"),
        ("Liberal", "Liberal USD 480"), ("Ulysses", "Ulysses USD 214"), ("Emporia", "Emporia USD 253"),
    ),
    "KY": (
        ("Shelbyville", "Shelby County Public Schools"), ("Mayfield", "Mayfield Independent Schools"),
        ("Lexington", "Fayette County Public Schools"), ("Bowling Green", "Warren County Public Schools"),
    ),
    "LA": (
        ("Hammond", "Tangipahoa Parish School System"), ("New Iberia", "Iberia Parish School District"),
        ("Thibodaux", "Lafourche Parish School District"), ("Crowley", "Acadia Parish School District"),
    ),
    "ME": (
        ("Milbridge", "MSAD 37"), ("Cherryfield", "MSAD 37"), ("Presque Isle", "MSAD 1"),
        ("Caribou", "RSU 39"),
    ),
    "MD": (
        ("Salisbury", "Wicomico County Public Schools"), ("Princess Anne", "Somerset County Public Schools"),
        ("Cambridge", "Dorchester County Public Schools"), ("Easton", "Talbot County Public Schools"),
        ("Hagerstown", "Washington County Public Schools"),
    ),
    "MA": (
        ("Holyoke", "Holyoke Public Schools"), ("Springfield", "Springfield Public Schools"),
        ("New Bedford", "New Bedford Public Schools"), ("Fitchburg", "Fitchburg Public Schools"),
    ),
    "MS": (
        ("Forest", "Forest Municipal School District"), ("Morton", "Scott County School District"),
        ("Carthage", "Leake County School District"), ("Canton", "Canton Public School District"),
    ),
    "MO": (
        ("Noel", "McDonald County R-I School District"), ("Carthage", "Carthage R-IX School District"),
        ("Monett", "Monett R-I School District"), ("Milan", "Milan C-2 School District"),
        ("Kennett", "Kennett School District 39"),
    ),
    "MT": (
        ("Billings", "Billings Public Schools"), ("Sidney", "Sidney Public Schools"),
        ("Hardin", "Hardin Public Schools"), ("Polson", "Polson School District"),
    ),
    "NE": (
        ("Lexington", "Lexington Public Schools"), ("Schuyler", "Schuyler Community Schools"),
        ("Grand Island", "Grand Island Public Schools"), ("Scottsbluff", "Scottsbluff Public Schools"),
        ("Madison", "Madison Public Schools"),
    ),
    "NV": (
        ("Fallon", "Churchill County School District"), ("Winnemucca", "Humboldt County School District"),
        ("Yerington", "Lyon County School District"), ("Lovelock", "Pershing County School District"),
    ),
    "NJ": (
        ("Bridgeton", "Bridgeton Public Schools"), ("Vineland", "Vineland Public Schools"),
        ("Hammonton", "Hammonton Public Schools"), ("Salem", "Salem City School District"),
    ),
    "NM": (
        ("Deming", "Deming Public Schools"), ("Hatch", "Hatch Valley Public Schools"),
        ("Las Cruces", "Las Cruces Public Schools"), ("Anthony", "Gadsden Independent School District"),
        ("Portales", "Portales Municipal Schools"),
    ),
    "ND": (
        ("Grafton", "Grafton Public School District"), ("Grand Forks", "Grand Forks Public Schools"),
        ("Hillsboro", "Hillsboro Public School District"), ("Wahpeton", "Wahpeton Public Schools"),
    ),
    "OK": (
        ("Guymon", "Guymon Public Schools"), ("Hooker", "Hooker Public Schools"),
        ("Altus", "Altus Public Schools"), ("Stilwell", "Stilwell Public Schools"),
    ),
    "SC": (
        ("Saluda", "Saluda County School District"), ("Johnston", "Edgefield County School District"),
        ("Beaufort", "Beaufort County School District"), ("Walterboro", "Colleton County School District"),
        ("Inman", "Spartanburg County School District 1"),
    ),
    "SD": (
        ("Huron", "Huron School District 2-2"), ("Sioux Falls", "Sioux Falls School District 49-5"),
        ("Aberdeen", "Aberdeen School District 6-1"),
    ),
    "TN": (
        ("Shelbyville", "Bedford County Schools"), ("Morristown", "Hamblen County Schools"),
        ("Crossville", "Cumberland County Schools"), ("Sparta", "White County Schools"),
    ),
    "UT": (
        ("Brigham City", "Box Elder School District"), ("Hyrum", "Cache County School District"),
        ("Delta", "Millard School District"), ("Nephi", "Juab School District"),
    ),
    "VT": (
        ("Middlebury", "Addison Central School District"), ("Swanton", "Missisquoi Valley School District"),
        ("St. Albans", "Maple Run Unified School District"),
    ),
    "VA": (
        ("Parksley", "Accomack County Public Schools"), ("Exmore", "Northampton County Public Schools"),
        ("Winchester", "Winchester Public Schools"), ("Harrisonburg", "Harrisonburg City Public Schools"),
    ),
    "WI": (
        ("Plainfield", "Tri-County Area School District"), ("Wautoma", "Wautoma Area School District"),
        ("Sturgeon Bay", "Sturgeon Bay School District"), ("Beaver Dam", "Beaver Dam Unified School District"),
    ),
    "WY": (
        ("Worland", "Washakie County School District 1"), ("Powell", "Park County School District 1"),
        ("Lovell", "Big Horn County School District 2"), ("Torrington", "Goshen County School District 1"),
    ),
}

_PATRONS: tuple[str, ...] = (
    "César Chávez", "Dolores Huerta", "Benito Juárez", "Lincoln", "Washington", "Roosevelt",
    "Sor Juana Inés de la Cruz", "Garfield", "Kennedy", "Martin Luther King Jr.", "Sunnyside",
    "Valley View", "Riverside", "Northside", "Lorenzo de Zavala", "Ellen Ochoa", "Roberto Clemente",
)
# fmt: on

PRIOR_MOVE_STATES: tuple[str, ...] = tuple(CITIES)[:15]
"""The fifteen states the synthetic world had before the national ones: a family that stays in one
state all year came from one of them the year before (``stays._prior_move``). Kept at fifteen, so
that the worlds drawn over those states stay exactly what they were."""

SUPPORTED_STATES: tuple[str, ...] = tuple(CITIES)
"""The states a world can be drawn over: every state with towns."""


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
