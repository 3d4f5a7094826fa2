"""Certificates: kinds, issue and revocation, the PDF, signed QR payloads, public verification, Open Badges."""
from flask import Blueprint

bp = Blueprint("certification", __name__)

from . import routes  # noqa: E402,F401
