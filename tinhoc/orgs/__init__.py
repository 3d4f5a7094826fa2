"""Organisations: the tree, job positions, staff and their import from Excel."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)

from . import routes, routes_staff  # noqa: E402,F401
