"""Name data for the synthetic world: people, places, schools, courses and state tests.

Only data and two small lookups live here (``strip_accents`` and ``school_for``); the logic that picks
from these tables is in ``people``, ``history`` and ``submissions``. Names are kept with their
accents (José, Ramírez, Nguyễn); a state whose record system cannot store them drops them when it
reports the child, which is exactly what makes identity matching across states hard.

The tables are kept compact (``fmt: off``): one name per line would make this file 900 lines long.
"""

from __future__ import annotations

import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache

# --- people ----------------------------------------------------------------------------------------

ORIGINS: tuple[str, ...] = ("mx", "gt", "ht", "vn", "us")
"""Mexican and other Latin American (mx), Guatemalan and Mayan (gt), Haitian (ht), Vietnamese (vn),
Anglo-American (us)."""

# fmt: off
GIVEN_F: dict[str, tuple[str, ...]] = {
    "mx": (
        "María", "Guadalupe", "Ana", "Sofía", "Valeria", "Ximena", "Camila", "Daniela", "Fernanda",
        "Yesenia", "Itzel", "Jazmín", "Araceli", "Leticia", "Rocío", "Mariana", "Esmeralda", "Brenda",
        "Karla", "Paola", "Alejandra", "Lucía", "Natalia", "Andrea", "Belén", "Citlali", "Dulce",
        "Yaretzi", "Abigail", "Jimena", "Verónica", "Marisol", "Nayeli", "Génesis", "Angélica",
        "Estefanía", "Reyna", "Rosa", "Juana", "Isabel", "María José", "Ana Sofía", "Mía", "Zoé",
    ),
    "gt": (
        "Ixchel", "Nicté", "Rosalba", "Hermelinda", "Marleny", "Dilia", "Candelaria", "Floridalma",
        "Yesenia", "Heidy", "Magdalena", "Catarina", "Juana", "Micaela", "Sucely", "Marta",
    ),
    "ht": (
        "Marie", "Fabiola", "Wideline", "Nadège", "Roseline", "Mirlande", "Guerda", "Fedline",
        "Naïka", "Ketia", "Lovely", "Darline", "Mylène", "Stéphanie", "Judith", "Esther",
    ),
    "vn": ("Thảo", "Linh", "Ánh", "Ngọc", "Hương", "Trang", "Mai", "Vy", "Tiffany", "Vivian", "Jenny"),
    "us": (
        "Emily", "Ashley", "Jessica", "Hannah", "Brittany", "Kayla", "Madison", "Abigail", "Destiny",
        "Savannah", "Haley", "Chloe", "Taylor", "Summer", "Amber", "Brooklyn",
    ),
}

GIVEN_M: dict[str, tuple[str, ...]] = {
    "mx": (
        "José", "Juan", "Luis", "Carlos", "Jesús", "Ángel", "Ramón", "Miguel", "Jorge", "Alejandro",
        "Francisco", "Diego", "Fernando", "Eduardo", "Javier", "Ricardo", "Andrés", "Sebastián",
        "Mateo", "Santiago", "Emiliano", "Iker", "Óscar", "Julián", "Rubén", "Héctor", "Raúl",
        "Efraín", "Germán", "Joaquín", "Martín", "Adrián", "Cristian", "Brayan", "Kevin", "Jonathan",
        "Erick", "Josué", "Abraham", "Noé", "Moisés", "Ismael", "Juan Carlos", "José Luis", "José Ángel",
    ),
    "gt": (
        "Tecún", "Balam", "Pascual", "Baltazar", "Domingo", "Gaspar", "Mateo", "Diego", "Eliseo",
        "Melvin", "Byron", "Elmer", "Selvin", "Wilmer", "Anselmo", "Lázaro",
    ),
    "ht": (
        "Jean", "Wilner", "Frantz", "Jackson", "Peterson", "Wisly", "Ronald", "Stanley", "Emmanuel",
        "Loubens", "Jean-Baptiste", "Jean-Claude", "Ricardo", "Evens", "Jérémie", "Fritzner",
    ),
    "vn": ("Minh", "Huy", "Bảo", "Khoa", "Duy", "Long", "Tuấn", "Phúc", "Kevin", "Peter", "Tony", "Andy"),
    "us": (
        "Michael", "Christopher", "Tyler", "Austin", "Dustin", "Cody", "Jacob", "Joshua", "Hunter",
        "Dakota", "Bradley", "Wyatt", "Caleb", "Colton", "Logan", "Travis",
    ),
}

MIDDLE_VN: dict[str, tuple[str, ...]] = {"F": ("Thị", "Ngọc", "Kim"), "M": ("Văn", "Minh", "Đức")}

SURNAMES: dict[str, tuple[str, ...]] = {
    "mx": (
        "García", "Hernández", "Martínez", "López", "González", "Rodríguez", "Pérez", "Sánchez",
        "Ramírez", "Flores", "Gómez", "Díaz", "Reyes", "Cruz", "Morales", "Jiménez", "Gutiérrez",
        "Ruiz", "Álvarez", "Mendoza", "Vázquez", "Castillo", "Ramos", "Romero", "Herrera", "Medina",
        "Aguilar", "Chávez", "Ortiz", "Torres", "Domínguez", "Vargas", "Guerrero", "Rojas", "Salazar",
        "Estrada", "Contreras", "Ortega", "Núñez", "Muñoz", "Ibarra", "Villanueva", "Cervantes",
        "Zúñiga", "Peña", "Guzmán", "Espinoza", "Cárdenas", "Sandoval", "Ríos", "Valdez", "Rosales",
        "Solís", "Maldonado", "Galván", "Beltrán", "Ochoa", "De la Cruz", "De León", "Del Río",
    ),
    "gt": (
        "Tzoc", "Ixcoy", "Cux", "Xuc", "Ajanel", "Tuyuc", "Coc", "Chun", "Quej", "Batz", "Xicay",
        "Sapalú", "Tum", "Ixchop", "Pascual", "Francisco", "Gaspar", "Matías", "Domingo", "Tomás",
        "López", "Pérez", "Méndez", "Ramírez",
    ),
    "ht": (
        "Pierre", "Joseph", "Jean-Louis", "Charles", "Louis", "Saint-Fleur", "Desrosiers", "Dorvil",
        "Exantus", "Augustin", "Baptiste", "Jean-Pierre", "Noël", "Célestin", "Estimé", "Fils-Aimé",
        "Dorméus", "Michel", "Étienne", "François",
    ),
    "vn": ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"),
    "us": (
        "Smith", "Johnson", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Anderson", "Thomas",
        "Jackson", "White", "Harris", "Martin", "Thompson", "Young", "Walker", "Hall", "Price",
        "Bennett", "Collins", "Stewart", "Carter", "Phillips", "Caudill", "Combs",
    ),
}

# Foreign birthplaces by origin: (city, state or department, ISO 3166 alpha-2 country).
BIRTHPLACES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "mx": (
        ("Apatzingán", "Michoacán", "MX"), ("Zamora", "Michoacán", "MX"), ("Uruapan", "Michoacán", "MX"),
        ("Celaya", "Guanajuato", "MX"), ("León", "Guanajuato", "MX"), ("Tlaquepaque", "Jalisco", "MX"),
        ("Santiago Juxtlahuaca", "Oaxaca", "MX"), ("Tlapa de Comonfort", "Guerrero", "MX"),
        ("Reynosa", "Tamaulipas", "MX"), ("Matamoros", "Tamaulipas", "MX"), ("Culiacán", "Sinaloa", "MX"),
        ("Fresnillo", "Zacatecas", "MX"), ("San Luis Potosí", "San Luis Potosí", "MX"),
        ("San Pedro Sula", "Cortés", "HN"), ("Usulután", "Usulután", "SV"),
    ),
    "gt": (
        ("Huehuetenango", "Huehuetenango", "GT"), ("San Pedro Soloma", "Huehuetenango", "GT"),
        ("Santa Eulalia", "Huehuetenango", "GT"), ("Totonicapán", "Totonicapán", "GT"),
        ("Quetzaltenango", "Quetzaltenango", "GT"), ("San Marcos", "San Marcos", "GT"),
        ("Cobán", "Alta Verapaz", "GT"), ("Todos Santos Cuchumatán", "Huehuetenango", "GT"),
    ),
    "ht": (
        ("Port-au-Prince", "Ouest", "HT"), ("Les Cayes", "Sud", "HT"), ("Cap-Haïtien", "Nord", "HT"),
        ("Jacmel", "Sud-Est", "HT"), ("Gonaïves", "Artibonite", "HT"),
    ),
    "vn": (("Cần Thơ", "Cần Thơ", "VN"), ("Nha Trang", "Khánh Hòa", "VN"), ("Huế", "Thừa Thiên Huế", "VN")),
    "us": (),
}
# fmt: on

FOREIGN_BORN: dict[str, float] = {"mx": 0.22, "gt": 0.55, "ht": 0.35, "vn": 0.08, "us": 0.0}

# --- places ----------------------------------------------------------------------------------------

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


_NOT_DECOMPOSED = str.maketrans({"Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l"})


@cache
def strip_accents(text: str) -> str:
    """``José Ramírez`` -> ``Jose Ramirez``; ``Đặng`` -> ``Dang`` (Đ does not decompose in NFKD)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NOT_DECOMPOSED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- high-school courses ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CourseDef:
    """A course of a high-school schedule. ``code`` is a local course number modelled on SCED
    (subject area + three digits); ``subject`` is the real two-digit SCED subject area:
    01 English, 02 mathematics, 03 life and physical sciences, 04 social sciences and history,
    05 fine and performing arts, 08 physical, health and safety education, 10 information
    technology, 12 business and marketing, 14 health care sciences, 18 agriculture, 20 transportation,
    22 miscellaneous (study hall), 23 non-subject-specific, 24 world languages."""

    code: str
    title: str
    subject: str
    course_type: str


def _c(code: str, title: str, course_type: str = "REG") -> CourseDef:
    return CourseDef(code, title, code[:2], course_type)


# fmt: off
COURSES_BY_GRADE: dict[int, tuple[CourseDef, ...]] = {
    9: (
        _c("01001", "English I"), _c("02052", "Algebra I"), _c("03051", "Biology"),
        _c("04001", "World Geography"), _c("08001", "Physical Education I"),
        _c("24052", "Spanish for Spanish Speakers I"), _c("10004", "Computer Applications"),
        _c("18001", "Principles of Agriculture, Food and Natural Resources", "CTE"),
    ),
    10: (
        _c("01002", "English II"), _c("02072", "Geometry"), _c("03101", "Chemistry"),
        _c("04051", "World History"), _c("08051", "Health Education"),
        _c("24053", "Spanish for Spanish Speakers II"), _c("05154", "Art I"),
        _c("12001", "Business Information Management", "CTE"),
    ),
    11: (
        _c("01003", "English III"), _c("02056", "Algebra II"), _c("03151", "Physics"),
        _c("04101", "U.S. History"), _c("24057", "AP Spanish Language and Culture", "AP"),
        _c("05155", "Art II"), _c("20103", "Automotive Technology I", "CTE"), _c("22003", "Study Hall"),
    ),
    12: (
        _c("01004", "English IV"), _c("02110", "Precalculus"), _c("03003", "Environmental Science"),
        _c("04151", "U.S. Government"), _c("04201", "Economics"),
        _c("01051", "Composition I", "DUAL"), _c("14001", "Health Science Theory", "CTE"),
        _c("23001", "College and Career Readiness Seminar"),
    ),
}
# fmt: on

HONORS_TITLES: frozenset[str] = frozenset({"English I", "English II", "Algebra II", "Chemistry", "Geometry"})

CREDIT_RECOVERY: tuple[CourseDef, ...] = (
    _c("01001", "English I Credit Recovery", "REM"),
    _c("01002", "English II Credit Recovery", "REM"),
    _c("02052", "Algebra I Credit Recovery", "REM"),
    _c("04101", "U.S. History Credit Recovery", "REM"),
)

ELD_COURSE = _c("01007", "English Language Development", "REM")

# --- state tests -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TestSuite:
    """How a state names, scores and interprets its tests. Titles take ``{g}`` for the grade."""

    __test__ = False  # not a pytest test class, whatever its name

    math: str
    reading: str
    reading_content: str
    science: str
    elp: str
    levels: tuple[str, ...]
    elp_levels: tuple[str, ...]
    scale: tuple[int, int]
    eoc: tuple[tuple[str, str, str], ...] = ()
    """(course title that triggers it, test title, content)."""


_WIDA = ("Entering", "Emerging", "Developing", "Expanding", "Bridging", "Reaching")
_LEVELS4 = ("Level 1", "Level 2", "Level 3", "Level 4")

# fmt: off
TESTS: dict[str, TestSuite] = {
    "TX": TestSuite(
        "STAAR Grade {g} Mathematics", "STAAR Grade {g} Reading Language Arts", "READ",
        "STAAR Grade {g} Science", "TELPAS",
        ("Did Not Meet Grade Level", "Approaches Grade Level", "Meets Grade Level", "Masters Grade Level"),
        ("Beginning", "Intermediate", "Advanced", "Advanced High"), (1200, 2100),
        (("Algebra I", "STAAR Algebra I EOC", "MATH"), ("Biology", "STAAR Biology EOC", "SCI"),
         ("English I", "STAAR English I EOC", "ELA"), ("English II", "STAAR English II EOC", "ELA"),
         ("U.S. History", "STAAR U.S. History EOC", "SS")),
    ),
    "CA": TestSuite(
        "CAASPP Smarter Balanced Mathematics Grade {g}", "CAASPP Smarter Balanced ELA Grade {g}", "ELA",
        "CAST Science Grade {g}", "Summative ELPAC",
        ("Standard Not Met", "Standard Nearly Met", "Standard Met", "Standard Exceeded"),
        ("Minimally Developed", "Somewhat Developed", "Moderately Developed", "Well Developed"), (2100, 2800),
    ),
    "FL": TestSuite(
        "FAST Grade {g} Mathematics", "FAST Grade {g} ELA Reading", "READ",
        "Statewide Science Assessment Grade {g}", "ACCESS for ELLs",
        ("Level 1", "Level 2", "Level 3", "Level 4", "Level 5"), _WIDA, (150, 400),
        (("Algebra I", "B.E.S.T. Algebra 1 EOC", "MATH"), ("Biology", "Biology 1 EOC", "SCI")),
    ),
    "WA": TestSuite(
        "Smarter Balanced Math Grade {g}", "Smarter Balanced ELA Grade {g}", "ELA",
        "WCAS Science Grade {g}", "ACCESS for ELLs", _LEVELS4, _WIDA, (2100, 2800),
    ),
    "MI": TestSuite(
        "M-STEP Grade {g} Mathematics", "M-STEP Grade {g} ELA", "ELA", "M-STEP Grade {g} Science",
        "WIDA ACCESS for ELLs", ("Not Proficient", "Partially Proficient", "Proficient", "Advanced"),
        _WIDA, (1200, 1900),
    ),
    "NC": TestSuite(
        "NC EOG Grade {g} Mathematics", "NC EOG Grade {g} Reading", "READ", "NC EOG Grade {g} Science",
        "ACCESS for ELLs", ("Not Proficient", "Level 3", "Level 4", "Level 5"), _WIDA, (530, 580),
        (("Algebra I", "NC EOC Math 1", "MATH"), ("Biology", "NC EOC Biology", "SCI"),
         ("English II", "NC EOC English II", "ELA")),
    ),
    "OR": TestSuite(
        "OSAS Mathematics Grade {g}", "OSAS ELA Grade {g}", "ELA", "OSAS Science Grade {g}", "ELPA21",
        _LEVELS4, ("Emerging", "Progressing", "Proficient"), (2100, 2800),
    ),
    "GA": TestSuite(
        "Georgia Milestones EOG Grade {g} Mathematics", "Georgia Milestones EOG Grade {g} ELA", "ELA",
        "Georgia Milestones EOG Grade {g} Science", "ACCESS for ELLs",
        ("Beginning Learner", "Developing Learner", "Proficient Learner", "Distinguished Learner"),
        _WIDA, (350, 700),
        (("Algebra I", "Georgia Milestones Algebra EOC", "MATH"),
         ("Biology", "Georgia Milestones Biology EOC", "SCI"),
         ("U.S. History", "Georgia Milestones US History EOC", "SS")),
    ),
    "ID": TestSuite(
        "ISAT Mathematics Grade {g}", "ISAT ELA Grade {g}", "ELA", "ISAT Science Grade {g}",
        "ACCESS for ELLs", ("Below Basic", "Basic", "Proficient", "Advanced"), _WIDA, (2100, 2800),
    ),
    "NY": TestSuite(
        "NYS Grade {g} Mathematics", "NYS Grade {g} English Language Arts", "ELA", "NYS Grade {g} Science",
        "NYSESLAT", _LEVELS4, ("Entering", "Emerging", "Transitioning", "Expanding", "Commanding"),
        (370, 480),
        (("Algebra I", "Regents Algebra I", "MATH"), ("Biology", "Regents Life Science: Biology", "SCI"),
         ("English III", "Regents English Language Arts", "ELA"),
         ("U.S. History", "Regents U.S. History and Government", "SS")),
    ),
    "AZ": TestSuite(
        "AASA Math Grade {g}", "AASA ELA Grade {g}", "ELA", "AzSCI Grade {g}", "AZELLA",
        ("Minimally Proficient", "Partially Proficient", "Proficient", "Highly Proficient"),
        ("Pre-Emergent", "Emergent", "Basic", "Intermediate", "Proficient"), (2400, 2700),
    ),
    "OH": TestSuite(
        "Ohio State Test Grade {g} Mathematics", "Ohio State Test Grade {g} ELA", "ELA",
        "Ohio State Test Grade {g} Science", "OELPA",
        ("Limited", "Basic", "Proficient", "Accomplished", "Advanced"),
        ("Emerging", "Progressing", "Proficient"), (545, 850),
    ),
    "PA": TestSuite(
        "PSSA Grade {g} Mathematics", "PSSA Grade {g} ELA", "ELA", "PSSA Grade {g} Science",
        "ACCESS for ELLs", ("Below Basic", "Basic", "Proficient", "Advanced"), _WIDA, (700, 1900),
    ),
    "MN": TestSuite(
        "MCA Grade {g} Mathematics", "MCA Grade {g} Reading", "READ", "MCA Grade {g} Science",
        "ACCESS for ELLs", ("Does Not Meet", "Partially Meets", "Meets", "Exceeds"), _WIDA, (300, 399),
    ),
    "CO": TestSuite(
        "CMAS Grade {g} Mathematics", "CMAS Grade {g} ELA", "ELA", "CMAS Grade {g} Science",
        "ACCESS for ELLs",
        ("Did Not Yet Meet", "Partially Met", "Approached", "Met", "Exceeded"), _WIDA, (650, 850),
    ),
}
# fmt: on

COMMENTS: tuple[str, ...] = (
    "Family followed the harvest; records requested from previous school",
    'Parent said "we come back after the season"',
    "Llegó tarde por la cosecha, necesita apoyo en inglés",
    "Partial credits pending, see MSIX consolidated record",
    "Withdrew to follow crop season",
    "Sibling enrolled same day",
    "Immunization records from Mexico, translation pending",
    "Needs credit accrual plan, counselor notified",
)
