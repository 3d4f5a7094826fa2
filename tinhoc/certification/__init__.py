"""Certificates: kinds, issue and revocation, the PDF, signed QR payloads, public verification, Open Badges.

Training, exams and contests call `tinhoc.certification.issue(kind, holder, details, actor=SYSTEM,
source=...)` when their rule is met (see services.issue)."""
from flask import Blueprint

bp = Blueprint("certification", __name__)

from . import routes  # noqa: E402,F401
from .targets import routes as _target_routes  # noqa: E402,F401
from .services import issue  # noqa: E402,F401  (the one call other packages make)
