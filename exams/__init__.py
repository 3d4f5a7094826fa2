"""Exams: the question bank (categories, versioned questions, question types, imports, exports).
Exam forms, sessions, attempts and grading come later."""
from flask import Blueprint

bp = Blueprint("exams", __name__)

from . import routes  # noqa: E402,F401
from .delivery import routes_attempt, routes_setup  # noqa: E402,F401  (exam set-up, attempts)
from .delivery import routes_sessions  # noqa: E402,F401  (sessions: set-up, proctoring, waiting room)
from .grading import routes as grading_routes, routes_results  # noqa: E402,F401  (grading, results)
from . import metrics  # noqa: E402,F401  (registers the exam pass rate in the targets registry)
