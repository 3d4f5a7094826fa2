"""Juror and chair pages: blind (entries by anonymous code only; no names, schools, usernames or the
uploaded file's own name), each juror only their own assignments, the chair only their rounds."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from tinhoc.security import current_actor, role_required

from .. import bp
from . import products, scoring, services
from .forms import DecisionForm, ScoreForm


@bp.get("/jury/")
@role_required(services.JUROR_ROLE)
def jury_queue():
    queue, chaired = scoring.my_queue(current_actor())
    return render_template("contests/jury/queue.html", queue=queue, chaired=chaired)


@bp.route("/jury/assignments/<int:jury_assignment_id>", methods=["GET", "POST"])
@login_required
def jury_grade(jury_assignment_id):
    actor = current_actor()
    assignment = scoring.assignment_for_juror(actor, jury_assignment_id)
    form = ScoreForm(comment=assignment.comment)
    criteria = services.criteria_of(assignment.round_id)
    values = {c.id: request.form.get(f"c{c.id}", "") for c in criteria} if request.method == "POST" else \
        scoring.score_inputs(assignment, criteria)
    if form.validate_on_submit():
        try:
            scoring.save_scores(actor, assignment.id, values, form.comment.data)
        except services.ContestError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu điểm."), "success")
            return redirect(url_for("contests.jury_grade", jury_assignment_id=assignment.id))
    rnd = scoring.round_of(assignment)
    panel = services.panel_of(rnd)
    return render_template("contests/jury/grade.html", assignment=assignment, product=scoring.product_of(assignment),
                           rnd=rnd, criteria=criteria, values=values, form=form,
                           open=scoring.jury_open(rnd, panel), panel=panel,
                           max_total=services.max_total(criteria))


@bp.get("/jury/assignments/<int:jury_assignment_id>/product")
@login_required
def jury_download(jury_assignment_id):
    """The product under its anonymous code, never under the name the team gave the file."""
    assignment = scoring.assignment_for_juror(current_actor(), jury_assignment_id)
    product = scoring.product_of(assignment)
    return send_file(products.path_of(product), mimetype="application/zip", as_attachment=True,
                     download_name=f"{product.code}.zip", etag=False, last_modified=None)


@bp.get("/jury/chair/<int:creative_id>")
@login_required
def jury_chair(creative_id):
    rnd, panel = scoring.chaired_round_for(current_actor(), creative_id)
    rows = scoring.entry_scores(rnd)
    return render_template("contests/jury/chair.html", rnd=rnd, panel=panel, rows=rows,
                           flagged=[r for r in rows if r.flagged], form=DecisionForm(),
                           criteria=scoring.criteria_by_id(rnd.id),
                           max_total=services.max_total(services.criteria_of(rnd.id)))


@bp.post("/jury/chair/<int:creative_id>/decisions")
@login_required
def jury_decide(creative_id):
    actor = current_actor()
    rnd, _panel = scoring.chaired_round_for(actor, creative_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Hãy nhập điểm cuối và lý do quyết định."), "danger")
    else:
        try:
            scoring.decide(actor, rnd.id, code=form.code.data, score=form.score.data, reason=form.reason.data)
        except services.ContestError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã ghi quyết định của trưởng ban cho %(code)s.", code=form.code.data.upper()), "success")
    return redirect(url_for("contests.jury_chair", creative_id=rnd.id))
