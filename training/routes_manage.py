"""Course editing for instructors (their own courses) and organisers (any in scope). Thin routes."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tinhoc.security import current_actor, role_required

from . import authoring, bp, lessons, services
from .forms import ActionForm, CourseForm, LessonForm, MoveForm, SectionForm
from .lessons import Upload

EDIT = ("instructor", "organiser")


@bp.get("/manage")
@role_required(*EDIT)
def manage_courses():
    return render_template("training/manage.html", courses=authoring.editable_courses(current_actor()))


@bp.route("/manage/new", methods=["GET", "POST"], defaults={"course_id": None})
@bp.route("/manage/<int:course_id>", methods=["GET", "POST"])
@role_required(*EDIT)
def edit_course(course_id: int | None):
    actor = current_actor()
    course = authoring.course_for_editing(actor, course_id) if course_id is not None else None
    form = CourseForm(obj=course)
    if form.validate_on_submit():
        try:
            saved = authoring.save_course(actor, course_id, code=form.code.data, title=form.title.data,
                                          hours=form.hours.data, description=form.description.data,
                                          open_enrolment=form.open_enrolment.data)
            flash(_("Đã lưu khóa học."), "success")
            return redirect(url_for("training.edit_course", course_id=saved.id))
        except services.NotFound:
            raise
        except services.TrainingError as exc:
            flash(str(exc), "danger")
    return render_template("training/manage_course.html", course=course, form=form, section_form=SectionForm(),
                           action_form=ActionForm(), lesson_types=lessons.all_types())


@bp.post("/manage/<int:course_id>/sections")
@role_required(*EDIT)
def add_section(course_id: int):
    form = SectionForm()
    authoring.course_for_editing(current_actor(), course_id)
    if form.validate_on_submit():
        try:
            authoring.add_section(current_actor(), course_id, code=form.code.data, title=form.title.data)
        except services.TrainingError as exc:
            flash(str(exc), "danger")
    return redirect(url_for("training.edit_course", course_id=course_id))


def _lesson_form(course, lesson) -> LessonForm:
    form = LessonForm(obj=lesson)
    form.type.choices = [(name, kind.label) for name, kind in lessons.all_types().items()]
    form.section_id.choices = [("", "—")] + [(s.id, f"{s.code} {s.title}".strip()) for s in course.sections]
    form.quiz_category.choices = [("", "—")] + _bank_categories()
    if lesson is not None and request.method == "GET":
        form.body.data = (lesson.params or {}).get("html", "")
        form.url.data = (lesson.params or {}).get("url", "")
        if lesson.type == "quiz":
            params = lesson.params or {}
            form.quiz_category.data, form.quiz_count.data = params.get("category_id"), params.get("count")
            form.quiz_minutes.data = params.get("duration_minutes")
            form.quiz_pass.data = round(100 * params.get("pass_fraction", 0.5))
    return form


def _bank_categories() -> list[tuple[int, str]]:
    from exams.services import category_tree
    return [(c.id, "— " * (c.path.count("/") - 2) + c.name) for c, _n in category_tree(current_actor())]


@bp.route("/manage/<int:course_id>/lessons/new", methods=["GET", "POST"], defaults={"lesson_id": None})
@bp.route("/manage/<int:course_id>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@role_required(*EDIT)
def edit_lesson(course_id: int, lesson_id: int | None):
    actor = current_actor()
    course = authoring.course_for_editing(actor, course_id)
    lesson = authoring.lesson_for_editing(actor, lesson_id) if lesson_id is not None else None
    form = _lesson_form(course, lesson)
    if form.validate_on_submit():
        upload = request.files.get("file")
        upload = Upload(upload.filename, upload.read()) if upload and upload.filename else None
        try:
            authoring.save_lesson(actor, course.id, lesson_id, type_=form.type.data, title=form.title.data,
                                  section_id=form.section_id.data, upload=upload,
                                  data={"body": form.body.data, "url": form.url.data,
                                        "quiz_category": form.quiz_category.data, "quiz_count": form.quiz_count.data,
                                        "quiz_minutes": form.quiz_minutes.data, "quiz_pass": form.quiz_pass.data})
            flash(_("Đã lưu bài học."), "success")
            return redirect(url_for("training.edit_course", course_id=course.id))
        except services.NotFound:
            raise
        except services.TrainingError as exc:
            flash(str(exc), "danger")
    return render_template("training/manage_lesson.html", course=course, lesson=lesson, form=form,
                           lesson_types=lessons.all_types())


@bp.post("/manage/lessons/<int:lesson_id>/move")
@role_required(*EDIT)
def move_lesson(lesson_id: int):
    form = MoveForm()
    lesson = authoring.lesson_for_editing(current_actor(), lesson_id)
    if form.validate_on_submit():
        try:
            authoring.move_lesson(current_actor(), lesson_id, form.direction.data)
        except services.TrainingError as exc:
            flash(str(exc), "danger")
    return redirect(url_for("training.edit_course", course_id=lesson.course_id))


@bp.post("/manage/lessons/<int:lesson_id>/delete")
@role_required(*EDIT)
def delete_lesson(lesson_id: int):
    lesson = authoring.lesson_for_editing(current_actor(), lesson_id)
    course_id = lesson.course_id
    if ActionForm().validate_on_submit():
        authoring.delete_lesson(current_actor(), lesson_id)
        flash(_("Đã xóa bài học."), "success")
    return redirect(url_for("training.edit_course", course_id=course_id))
