"""People's names and birthplaces, and ``strip_accents``.

Names are kept with their accents (José, Ramírez, Nguyễn); a state whose record system cannot store
them drops them when it reports the child, which is exactly what makes identity matching across
states hard. The logic that picks from these tables is in ``people``.

The tables are kept compact (``fmt: off``): one name per line would make this file very long.
"""

from __future__ import annotations

import unicodedata
from functools import cache

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


_NOT_DECOMPOSED = str.maketrans({"Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l"})


@cache
def strip_accents(text: str) -> str:
    """``José Ramírez`` -> ``Jose Ramirez``; ``Đặng`` -> ``Dang`` (Đ does not decompose in NFKD)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NOT_DECOMPOSED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
