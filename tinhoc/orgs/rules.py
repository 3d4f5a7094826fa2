"""Rules on staff values shared by the one-person form, the service and the Excel import."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from .. import clock

EARLIEST_BIRTH = date(1900, 1, 1)


def birth_date_problem(born: date | None) -> str | None:
    """Why a birth date cannot be right (None when it can): from 1900 to today, the same for a typed
    date and an imported one, so whatever the form accepts an export brings back."""
    if born is None:
        return None
    if not (EARLIEST_BIRTH <= born <= clock.now().date()):
        return _("Ngày sinh %(d)s nằm ngoài khoảng hợp lý (từ 01/01/1900 đến hôm nay).",
                 d=f"{born.day:02d}/{born.month:02d}/{born.year:04d}")
    return None
