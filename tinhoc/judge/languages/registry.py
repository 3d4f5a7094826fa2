"""The languages offered by the judge, keyed by name."""
from __future__ import annotations

import os

from .base import Language
from .compiled import C, Cpp17, Pascal
from .python import Python3
from .scratch import Scratch3

LANGUAGES: dict[str, Language] = {}


def register(lang: Language) -> Language:
    if lang.name in LANGUAGES:
        raise ValueError(f"duplicate language {lang.name!r}")
    LANGUAGES[lang.name] = lang
    return lang


for _cls in (Cpp17, C, Python3, Pascal, Scratch3):
    register(_cls())


def get_language(name: str) -> Language:
    """The language registered as `name`; KeyError (a LookupError) for an unknown one."""
    try:
        return LANGUAGES[name]
    except KeyError:
        raise KeyError(f"unknown language {name!r}; known: {', '.join(LANGUAGES)}") from None


def language_for_filename(filename: str) -> Language | None:
    ext = os.path.splitext(filename)[1].lower()
    for lang in LANGUAGES.values():
        if ext in lang.extensions:
            return lang
    return None
