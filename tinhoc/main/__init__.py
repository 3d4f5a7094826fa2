"""The shell every page shares: home page per role, language switch, error pages."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from . import routes  # noqa: E402,F401
