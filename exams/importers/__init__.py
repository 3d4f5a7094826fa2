"""Question importers, one module per format; each turns a file into a `Parsed` report of items.

Every importer returns items as plain dicts (`type`, `name`, `text`, `answers` …, `line`), errors and
unsupported entries with their line (or row, or paragraph) and a reason. `exams.importing` checks
the items against the question-type registry, shows the preview and applies them in one
transaction; the CLI prints the same report as JSON.
"""
from __future__ import annotations

from .common import FORMATS, Parsed, Refused, parse  # noqa: F401
