"""Accounts: users, roles, login/logout, profile and password changes."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import routes  # noqa: E402,F401
