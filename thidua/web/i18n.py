"""The portal's words in Vietnamese (the default) and English: one JSON catalog per language.

`t("key", name=...)` in a template (or `translator(lang)` in Python) looks a key up in the
page's language; a key missing from a catalog is an error (tests/web/test_i18n.py checks that
both catalogs have the same keys and that every key the templates use exists).
"""

import json
from collections.abc import Callable
from functools import cache
from importlib.resources import files

from fastapi import Request

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
LANG_COOKIE = "thidua_lang"


@cache
def catalog(lang: str) -> dict[str, str]:
    text = files("thidua.web").joinpath("lang", f"{lang}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


def translator(lang: str) -> Callable[..., str]:
    words = catalog(lang)

    def t(key: str, /, **values: object) -> str:
        text = words[key]  # KeyError: a key missing from the catalog fails the page, loudly
        return text.format(**values) if values else text

    return t


def language_of(request: Request) -> str:
    """?lang=… on this request, else the cookie the switch set, else Vietnamese."""
    for lang in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if lang in LANGUAGES:
            return lang
    return DEFAULT
