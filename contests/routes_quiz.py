"""Quiz rounds: the organiser sets the quiz up; a contestant starts it during the round and comes back
to the round page with the result (contests/quiz.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from tinhoc.security import current_actor, role_required

from . import bp, quiz, services
from .forms import QuizSetupForm

MANAGE = services.MANAGE_ROLES


def setup_form(actor, rnd) -> QuizSetupForm:
    form = QuizSetupForm()
    form.category.choices = quiz.bank_categories(actor)
    return form


@bp.route("/rounds/<int:round_id>/quiz", methods=["GET", "POST"])
@role_required(*MANAGE)
def quiz_setup(round_id):
    actor = current_actor()
    rnd = services.managed_round_for(actor, round_id)
    form = setup_form(actor, rnd)
    if form.validate_on_submit():
        try:
            quiz.set_up(actor, rnd, category_id=form.category.data, count=form.count.data,
                        duration_minutes=form.minutes.data, max_points=float(form.points.data))
        except services.ContestError as exc:
            flash(_("Chưa đặt được bài trắc nghiệm: %(why)s", why=str(exc)), "danger")
        else:
            flash(_("Đã đặt bài trắc nghiệm cho vòng thi."), "success")
            return redirect(url_for("contests.show_round", round_id=rnd.id))
    return render_template("contests/quiz_setup.html", rnd=rnd, form=form, lines=quiz.results(rnd)), \
        (400 if form.is_submitted() else 200)


@bp.post("/rounds/<int:round_id>/quiz/start")
@login_required
def quiz_start(round_id):
    actor = current_actor()
    rnd, entry, _manager = services.round_for(actor, round_id)
    try:
        attempt = quiz.start(actor, rnd, entry)
    except services.ContestError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("contests.show_round", round_id=rnd.id))
    back = url_for("contests.show_round", round_id=rnd.id)
    return redirect(url_for("exams.take_attempt", attempt_id=attempt.id, next=back))
