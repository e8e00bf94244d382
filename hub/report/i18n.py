"""The report's languages: message catalogs (gettext ``.po`` files under ``hub/locale``), compiled
in memory with Babel the first time a language is asked for, so only the ``.po`` is committed.

English is the source language: its messages are the ``msgid`` themselves.
"""

from __future__ import annotations

import gettext
from datetime import date
from functools import cache
from importlib import resources
from io import BytesIO

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("en", "es")
DOMAIN = "messages"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    po = resources.files("hub").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return gettext.GNUTranslations(mo)


class Texts:
    """One language's messages and formats, for one report."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"no catalog for language {lang!r}")
        self.lang = lang
        self.locale = Locale.parse(lang)
        self._t = translations(lang)

    def __call__(self, message: str) -> str:
        return self._t.gettext(message)

    def date(self, value: str | date | None) -> str:
        if not value:
            return ""
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return format_date(day, format="long", locale=self.locale)

    def number(self, value: float | None) -> str:
        return "" if value is None else format_decimal(value, format="#,##0.###", locale=self.locale)
