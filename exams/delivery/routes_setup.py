"""Exam set-up pages for organisers: the list, an exam, its parts and their blueprints."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tinhoc.pagination import page_number
from tinhoc.security import current_actor, role_required

from .. import bp
from ..forms import DIFFICULTY_LABELS
from ..services import category_tree
from . import setup
from .errors import DeliveryError
from .forms import RULE_ROWS, ExamForm, PartForm, rule_rows, to_local, to_utc

ORGANISER = ("organiser",)


@bp.get("/manage")
@role_required(*ORGANISER)
def list_exams():
    page = setup.list_exams(current_actor(), page_number(request.args.get("page")))
    return render_template("exams/delivery/manage_list.html", page=page)


def _exam_form(actor, exam=None) -> ExamForm:
    form = ExamForm(obj=exam) if exam is not None and request.method == "GET" else ExamForm()
    if exam is not None and request.method == "GET":
        form.opens_at.data, form.closes_at.data = to_local(exam.opens_at), to_local(exam.closes_at)
    form.organisation_id.choices = setup.organisation_choices(actor)
    if exam is not None and exam.organisation_id not in dict(form.organisation_id.choices):
        form.organisation_id.choices.insert(0, (exam.organisation_id, exam.organisation.name))
    return form


def _save_exam(actor, form, exam_id):
    return setup.save_exam(actor, exam_id, title=form.title.data, description=form.description.data or "",
                           organisation_id=form.organisation_id.data, opens_at=to_utc(form.opens_at.data),
                           closes_at=to_utc(form.closes_at.data), attempts_allowed=form.attempts_allowed.data,
                           shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
                           open_to_subtree=form.open_to_subtree.data)


@bp.route("/manage/new", methods=["GET", "POST"])
@role_required(*ORGANISER)
def new_exam():
    actor = current_actor()
    form = _exam_form(actor)
    if form.validate_on_submit():
        try:
            exam = _save_exam(actor, form, None)
            flash(_("Đã tạo kỳ thi. Hãy thêm các phần thi."), "success")
            return redirect(url_for("exams.edit_exam", exam_id=exam.id))
        except DeliveryError as exc:
            flash(str(exc), "danger")
    return render_template("exams/delivery/manage_exam.html", form=form, exam=None), 400 if form.errors else 200


@bp.route("/manage/<int:exam_id>", methods=["GET", "POST"])
@role_required(*ORGANISER)
def edit_exam(exam_id):
    actor = current_actor()
    exam = setup.exam_for(actor, exam_id)
    form = _exam_form(actor, exam)
    if form.validate_on_submit():
        try:
            _save_exam(actor, form, exam.id)
            flash(_("Đã lưu kỳ thi."), "success")
            return redirect(url_for("exams.edit_exam", exam_id=exam.id))
        except DeliveryError as exc:
            flash(str(exc), "danger")
    return render_template("exams/delivery/manage_exam.html", form=form, exam=exam)


def _categories(actor):
    return [(c.id, "— " * (c.path.count("/") - 2) + c.name) for c, _n in category_tree(actor)]


@bp.route("/manage/<int:exam_id>/parts/new", methods=["GET", "POST"], defaults={"part_id": None})
@bp.route("/manage/<int:exam_id>/parts/<int:part_id>", methods=["GET", "POST"])
@role_required(*ORGANISER)
def edit_part(exam_id, part_id):
    actor = current_actor()
    exam = setup.exam_for(actor, exam_id)
    part = setup.part_for(actor, exam.id, part_id) if part_id else None
    form = PartForm(obj=part) if part is not None and request.method == "GET" else PartForm()
    rows = rule_rows(request.form) if request.method == "POST" else [
        (r["category_id"], r["difficulty"] or "", r["count"], r["points"], "1" if r.get("auto_only") else "")
        for r in (part.blueprint if part else [])]
    if part is not None and request.method == "GET":
        form.pass_percent.data = round(part.pass_fraction * 100)
    if form.validate_on_submit():
        try:
            saved = setup.save_part(actor, exam, part.id if part else None, title=form.title.data,
                                    duration_minutes=form.duration_minutes.data, blueprint=setup.clean_rules(rows),
                                    max_points=float(form.max_points.data), pass_fraction=form.pass_percent.data / 100)
            flash(_("Đã lưu phần thi “%(t)s”.", t=saved.title), "success")
            return redirect(url_for("exams.edit_exam", exam_id=exam.id))
        except DeliveryError as exc:
            flash(str(exc), "danger")
    return render_template("exams/delivery/manage_part.html", form=form, exam=exam, part=part, rows=rows,
                           blank_rows=max(RULE_ROWS - len(rows), 1), categories=_categories(actor),
                           difficulties=DIFFICULTY_LABELS)
