"""Nicknames and their given names, Spanish and English, as states' systems record them.

A nickname may stand for several names (``BETO``: Roberto, Alberto, Humberto); two first names are
equivalent when they share a given name. Only names a school would plausibly write down are here:
hypocorisms (Pepe, Lupe, Chuy), English forms a child takes at school (Jesse, Frank, Mike) and short
forms (Alex). Names are normalized (upper case, no accents).
"""

from __future__ import annotations

from functools import lru_cache

# given name -> its nicknames and other-language forms
# fmt: off
NICKNAMES: dict[str, tuple[str, ...]] = {
    "JOSE": ("PEPE", "CHEPE", "PEPITO", "JOE", "JOEY"),
    "FRANCISCO": ("PANCHO", "PACO", "FRANK", "FRANKIE", "CISCO", "KIKO"),
    "FRANCISCA": ("PANCHA", "PAQUITA", "FRANCES"),
    "GUADALUPE": ("LUPE", "LUPITA", "GUADA"),
    "JESUS": ("CHUY", "CHUCHO", "JESSE", "JESSIE"),
    "ALEJANDRO": ("ALEX", "ALE", "ALEXANDER", "JANDRO"),
    "ALEJANDRA": ("ALEX", "ALE", "ALEJA", "ALEXANDRA", "SANDRA"),
    "ROBERTO": ("BETO", "ROBERT", "BOB", "BOBBY", "ROBBIE", "TITO"),
    "ALBERTO": ("BETO", "ALBERT", "AL", "TITO"),
    "HUMBERTO": ("BETO",),
    "ENRIQUE": ("KIKE", "HENRY", "QUIQUE"),
    "IGNACIO": ("NACHO",),
    "EDUARDO": ("LALO", "EDDIE", "EDWARD", "EDDY"),
    "GUILLERMO": ("MEMO", "WILLIAM", "WILL", "WILLIE", "BILLY"),
    "ANTONIO": ("TONO", "TONY", "TONIO", "ANTHONY"),
    "RAMON": ("MONCHO", "RAY"),
    "MANUEL": ("MANOLO", "MANNY", "MANU", "MEMO"),
    "EMMANUEL": ("MANNY", "MANU", "EMMANUELLE"),
    "SANTIAGO": ("CHAGO", "SANTI", "JAMES"),
    "GUSTAVO": ("TAVO", "GUS"),
    "RODRIGO": ("RODRI", "ROD"),
    "FERNANDO": ("NANDO", "FERNIE", "FERNAN"),
    "FERNANDA": ("FER", "NANDA", "FERNIE"),
    "ARMANDO": ("MANDO",),
    "ISABEL": ("CHABELA", "ISA", "BELLA", "ISABELLA", "ELIZABETH"),
    "ELIZABETH": ("LIZ", "BETH", "BETTY", "ELIZA", "LIZZIE", "ISABEL"),
    "JUAN": ("JOHN", "JUANITO", "JOHNNY"),
    "JUANA": ("JUANITA", "JANE", "JOAN"),
    "MIGUEL": ("MIKE", "MICHAEL", "MIKEY"),
    "MICHAEL": ("MIKE", "MIKEY", "MICKEY", "MIGUEL"),
    "CARLOS": ("CHARLIE", "CARLITOS", "CHARLES"),
    "LUIS": ("LOUIE", "LUCHO", "LOUIS", "WICHO"),
    "DANIEL": ("DANNY", "DANI", "DAN"),
    "DANIELA": ("DANI", "DANNY"),
    "NATALIA": ("NATY", "NATI", "NATALIE"),
    "VALERIA": ("VALE", "VALERIE"),
    "JAVIER": ("JAVI", "XAVIER"),
    "RICARDO": ("RICKY", "RICH", "RICHARD", "RICK", "RICHIE"),
    "ANDRES": ("ANDY", "ANDREW", "DRES"),
    "ANDREA": ("ANDY",),
    "SEBASTIAN": ("SEBAS", "SEBASTIEN"),
    "EMILIANO": ("EMI", "EMILIO"),
    "JONATHAN": ("JOHNNY", "JON", "JONNY"),
    "CHRISTOPHER": ("CHRIS", "CRISTOPHER", "CRISTOBAL"),
    "CRISTIAN": ("CHRISTIAN", "CRIS", "CHRIS"),
    "JOSHUA": ("JOSH", "JOSUE"),
    "JACOB": ("JAKE", "JACOBO"),
    "ASHLEY": ("ASH",),
    "JESSICA": ("JESS", "JESSIE"),
    "ABIGAIL": ("ABBY", "ABI", "GAIL"),
    "STEPHANIE": ("STEPH", "ESTEFANIA", "FANNY"),
    "ESTEFANIA": ("FANY", "FANNY", "STEPHANIE"),
    "JUDITH": ("JUDY",),
    "MARIA": ("MARY", "MARIE", "MARI"),
    "MARIE": ("MARY", "MARIA"),
    "DOLORES": ("LOLA", "LOLITA"),
    "CONCEPCION": ("CONCHA", "CONCHITA", "CONCHI"),
    "ROSARIO": ("CHAYO", "CHARO"),
    "REFUGIO": ("CUCO", "CUQUITA"),
    "MERCEDES": ("MECHE",),
    "MAGDALENA": ("MALENA", "NENA", "MAGDA"),
    "CATARINA": ("CATALINA", "CATHERINE", "KATY", "KATHY"),
    "MICAELA": ("MICHELLE", "MICA"),
    "JOAQUIN": ("JOCO", "QUINO"),
    "JORGE": ("GEORGE", "COQUE"),
    "PEDRO": ("PETER", "PETE", "PERICO"),
    "PETERSON": ("PETE",),
    "OSCAR": ("OSKY",),
    "ABRAHAM": ("ABE", "ABRAM"),
    "BRAYAN": ("BRIAN", "BRYAN"),
    "ERICK": ("ERIC", "ERIK"),
    "KEVIN": ("KEV",),
    "ANGEL": ("ANGELITO",),
    "MATEO": ("MATHEW", "MATTHEW", "MATT", "MATIAS"),
    "DIEGO": ("JAMES",),
    "JEAN": ("JOHN", "JUAN"),
    "HAYLEY": ("HALEY",),
    "ANA": ("ANNA", "ANITA", "ANNE", "ANNIE"),
    "SOFIA": ("SOPHIA", "SOFI"),
    "CAMILA": ("CAMI",),
    "XIMENA": ("JIMENA",),
    "YESENIA": ("JESENIA",),
    "LUCIA": ("LUCY", "LUCHA"),
    "ROSA": ("ROSIE", "ROSITA", "ROSE"),
    "VERONICA": ("VERO", "RONNIE"),
    "ALEXANDER": ("ALEX", "XANDER"),
    "TYLER": ("TY",),
    "AUSTIN": ("AUSSIE",),
    "CHLOE": ("KHLOE",),
}
# fmt: on


def _build() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for given, nicks in NICKNAMES.items():
        for name in (given, *nicks):
            groups.setdefault(name, set()).add(given)
    return {name: frozenset(g) for name, g in groups.items()}


_GIVEN_OF = _build()


# Bounded: the names come from the states' records, typos and all, so a worker that runs for months
# would otherwise keep every first name it ever compared.
@lru_cache(maxsize=65536)
def given_names(name: str) -> frozenset[str]:
    """The given names ``name`` may stand for: itself, and the names it is a nickname of."""
    return _GIVEN_OF.get(name, frozenset()) | {name}


def equivalent(a: str, b: str) -> bool:
    """Whether two (normalized, single-word or compound) first names may be the same name."""
    return bool(given_names(a) & given_names(b))


def canonical(name: str) -> str:
    """One representative given name, the same for a name and its nicknames when the nickname is
    unambiguous (for blocking: ``PEPE`` and ``JOSE`` fall in one block)."""
    if name in NICKNAMES:
        return name  # a given name stands for itself
    others = given_names(name) - {name}
    return min(others) if others else name
