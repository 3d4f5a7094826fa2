"""Language choice and local formatting: Vietnamese by default, English on request; dates in Vietnam time."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def select_locale() -> str:
    """The language the visitor chose with the switch (kept in the session), else Vietnamese."""
    if not has_request_context():  # CLI and background jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang") or session.get("lang")
    if wanted in current_app.config["LANGUAGES"]:
        return wanted
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TZ)


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, the Vietnamese way, whatever the language."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh (the database keeps UTC)."""
    if value is None:
        return ""
    return local(value).strftime("%d/%m/%Y %H:%M")


def format_number(value) -> str:
    """Thousands with a dot, as Vietnamese write them (English: comma)."""
    from flask_babel import format_decimal
    return format_decimal(value)
