"""Pages of a list: a page number past the end shows the last page, a nonsense one the first."""
from __future__ import annotations

from .extensions import db

MAX_PAGE = 1_000_000


def page_number(raw) -> int:
    """The page asked for in a URL (`?page=`), clamped so a huge or negative number never reaches SQL."""
    try:
        page = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), MAX_PAGE)


def paginate(statement, page, per_page: int):
    """db.paginate, but `?page=999999` beside 349 rows shows the last page instead of "nothing found"."""
    page = page_number(page)
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    if result.total and page > result.pages:
        result = db.paginate(statement, page=result.pages, per_page=per_page, error_out=False)
    return result
