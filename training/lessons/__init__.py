"""Lesson types: one small class per type in a registry keyed by the name stored on `Lesson.type`.

A type says how a lesson completes (`completes_on`: "view", "open" or "progress"), cleans what an
instructor submits into the JSON kept in `Lesson.params`, and names the template that shows it.
Adding the quiz (with the exams issue) is one more module here that registers `quiz`. An unknown or
duplicate type fails when this package is imported (at start-up); a type stored in the database that
no class handles fails `check_types`, which the catalogue seeding (and so `make demo`) runs.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class LessonError(Exception):
    """Refused lesson content; `str(exc)` is the message for the user."""


@dataclass
class Upload:
    """A file from a form, without Flask: its name as the user's machine called it, and its bytes."""
    filename: str
    data: bytes


class LessonType(ABC):
    name: str = ""
    label = _l("Bài học")
    completes_on: str = "view"      # "view": opening the page; "open": downloading the file; "progress": ≥ 90 %
    has_file = False

    @property
    def template(self) -> str:
        return f"training/lessons/{self.name}.html"

    @abstractmethod
    def clean(self, data: dict, upload: Upload | None, old: dict, store) -> dict:
        """Validated params from the editor's form (`data`), an optional upload and the old params;
        `store(upload, kinds)` saves a file and returns its params. Raises LessonError."""


_types: dict[str, LessonType] = {}


def register(cls: type[LessonType]) -> type[LessonType]:
    if not cls.name or cls.name in _types:
        raise ValueError(f"duplicate or unnamed lesson type {cls.name!r}")
    _types[cls.name] = cls()
    return cls


def get(name: str) -> LessonType:
    try:
        return _types[name]
    except KeyError:
        raise LessonError(f"unknown lesson type {name!r}") from None


def all_types() -> dict[str, LessonType]:
    return dict(_types)


def check_types(used: set[str]) -> None:
    """Fail at start-up when the database holds a lesson type no class handles."""
    unknown = used - set(_types)
    if unknown:
        raise RuntimeError(f"unknown lesson types in the database: {sorted(unknown)}")


from . import basic, quiz  # noqa: E402,F401  (registers text, link, file, video; quiz)
