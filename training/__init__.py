"""Training: the catalogue (IU01–IU15, CIO, IT staff, open-source office), lessons, tracks,
assignment by job position, progress and instant completion (blueprint "training")."""
from flask import Blueprint

bp = Blueprint("training", __name__)


def init_app(app) -> None:
    """Listen to orgs' staff changes and put the learner panel on the home page. (The lesson-type
    and rule registries fail at import on a duplicate name; an unknown name fails where it is used.)"""
    from tinhoc.main.services import register_home_panel
    from tinhoc.orgs.signals import staff_changed

    from . import assignment
    from .services import learner_dashboard

    staff_changed.connect(assignment.on_staff_changed)  # module-level function: a strong reference is fine
    register_home_panel("training/_home_panel.html", learner_dashboard)


from . import routes, routes_manage, routes_report  # noqa: E402,F401
