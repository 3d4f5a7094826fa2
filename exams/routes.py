"""Question bank pages: the bank (tree, search, filters), one question, import, export, images.
Thin routes: parse the form, call one service, answer."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from tinhoc.pagination import page_number
from tinhoc.security import current_actor, role_required

from . import bp, editing, exporting, importing, services
from .forms import DIFFICULTY_LABELS, ActionForm, ApplyImportForm, CategoryForm, ImportForm, QuestionForm
from .questions import TYPE_NAMES

BANK = ("instructor", "organiser")


@bp.errorhandler(services.NotFound)
def _not_found(exc):
    return render_template("errors/404.html"), 404


def _category_choices(actor, blank: str | None = None) -> list[tuple[int, str]]:
    choices = [(c.id, "— " * (c.path.count("/") - 2) + c.name) for c, _n in services.category_tree(actor)]
    return ([(0, blank)] if blank else []) + choices


@bp.get("/bank")
@role_required(*BANK)
def bank():
    actor = current_actor()
    flt = services.QuestionFilter(q=request.args.get("q", "").strip(), type=request.args.get("type", ""),
                                  category_id=request.args.get("category", type=int),
                                  difficulty=request.args.get("difficulty", type=int), tag=request.args.get("tag", ""))
    page = services.list_questions(actor, flt, page_number(request.args.get("page")))
    form = CategoryForm()
    form.parent_id.choices = _category_choices(actor, _("(gốc)"))
    return render_template("exams/bank.html", page=page, flt=flt, tree=services.category_tree(actor), form=form,
                           types=TYPE_NAMES, difficulties=DIFFICULTY_LABELS)


@bp.post("/bank/categories")
@role_required(*BANK)
def create_category():
    actor = current_actor()
    form = CategoryForm()
    form.parent_id.choices = _category_choices(actor, "-")
    if form.validate_on_submit():
        try:
            category = services.create_category(actor, form.name.data, form.parent_id.data or None)
        except services.BankError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã thêm danh mục %(n)s.", n=category.name), "success")
    else:
        flash(_("Hãy ghi tên danh mục."), "danger")
    return redirect(url_for("exams.bank"))


@bp.route("/bank/questions/new", methods=["GET", "POST"], defaults={"question_id": None})
@bp.route("/bank/questions/<int:question_id>", methods=["GET", "POST"])
@role_required(*BANK)
def edit_question(question_id: int | None):
    actor = current_actor()
    question = services.question_for(actor, question_id) if question_id is not None else None
    form = QuestionForm(data=editing.form_values(question) if question and request.method == "GET" else None)
    form.category_id.choices = _category_choices(actor)
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        image = form.image.data
        try:
            saved = editing.save_from_form(
                actor, question_id, category_id=form.category_id.data, name=form.name.data, body=form.body.data,
                answers=form.answers.data, general_feedback=form.general_feedback.data, as_file=form.as_file.data,
                as_description=form.as_description.data, difficulty=form.difficulty.data, tags=form.tags.data,
                case_sensitive=form.case_sensitive.data, accent_insensitive=form.accent_insensitive.data,
                image=image.read() if image else None, image_name=image.filename if image else "")
        except services.BankError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu câu hỏi (phiên bản %(v)d).", v=saved.current_version), "success")
            return redirect(url_for("exams.edit_question", question_id=saved.id))
    preview = services.render_for_candidate(question.current) if question else None
    return render_template("exams/question.html", form=form, question=question, action=ActionForm(),
                           preview=preview), status


@bp.post("/bank/questions/<int:question_id>/archive")
@role_required(*BANK)
def archive_question(question_id: int):
    if ActionForm().validate_on_submit():
        services.archive_question(current_actor(), question_id)
        flash(_("Đã đưa câu hỏi vào lưu trữ."), "success")
    return redirect(url_for("exams.bank"))


@bp.route("/bank/import", methods=["GET", "POST"])
@role_required(*BANK)
def import_questions():
    form, actor = ImportForm(), current_actor()
    if form.validate_on_submit():
        data, fmt = form.file.data.read(importing.MAX_UPLOAD + 1), form.format.data
        plan = importing.plan(data, fmt, category=form.category.data)
        token = importing.keep_upload(actor, data, form.file.data.filename, fmt) if plan.ok else None
        apply_form = ApplyImportForm(data={"token": token, "format": fmt, "category": plan.category}) if token else None
        return render_template("exams/import_preview.html", plan=plan, filename=form.file.data.filename,
                               apply_form=apply_form), 200 if plan.ok else 422
    return render_template("exams/import.html", form=form), 400 if form.errors else 200


@bp.get("/bank/import/template.xlsx")
@role_required(*BANK)
def import_template():
    return send_file(io.BytesIO(exporting.xlsx_template()), as_attachment=True, download_name="mau-nhap-cau-hoi.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/bank/import/apply")
@role_required(*BANK)
def apply_import():
    form = ApplyImportForm()
    if not form.validate_on_submit():
        flash(_("Yêu cầu không hợp lệ, hãy tải tệp lên lại."), "danger")
        return redirect(url_for("exams.import_questions"))
    try:
        counts = importing.apply_pending(current_actor(), form.token.data, form.format.data, form.category.data)
    except importing.ImportRefused as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exams.import_questions"))
    flash(_("Đã nhập %(n)d câu hỏi.", n=sum(counts.values())), "success")
    return redirect(url_for("exams.bank"))


@bp.get("/bank/export.gift")
@role_required(*BANK)
def export_gift():
    data = exporting.export_gift(current_actor(), request.args.get("category", type=int))
    return send_file(io.BytesIO(data), mimetype="text/plain; charset=utf-8", as_attachment=True,
                     download_name="ngan-hang-cau-hoi.gift.txt")


@bp.get("/bank/export.xml")
@role_required(*BANK)
def export_xml():
    data = exporting.export_moodle_xml(current_actor(), request.args.get("category", type=int))
    return send_file(io.BytesIO(data), mimetype="application/xml", as_attachment=True,
                     download_name="ngan-hang-cau-hoi.xml")


@bp.get("/images/<int:image_id>")
@login_required
def image(image_id: int):
    stored = services.image_for(image_id)
    response = send_file(io.BytesIO(stored.data), mimetype=stored.content_type, max_age=86400)
    response.headers["Content-Disposition"] = "inline"
    return response
