"""Learner pages: the course list, a course, a lesson, the file download and video progress. Thin."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from tinhoc.security import current_actor

from . import bp, files, lessons, quiz, services
from .forms import ActionForm, VideoProgressForm


@bp.app_errorhandler(services.NotFound)
def _not_found(exc):
    """What the actor may not see does not exist for them."""
    return render_template("errors/404.html"), 404


@bp.get("/")
@login_required
def list_courses():
    return render_template("training/courses.html", courses=services.open_courses(),
                           panel=services.learner_dashboard(current_actor()))


@bp.get("/courses/<int:course_id>")
@login_required
def show_course(course_id: int):
    page = services.course_page(current_actor(), course_id)
    return render_template("training/course.html", form=ActionForm(), lesson_types=lessons.all_types(), **page)


@bp.post("/courses/<int:course_id>/enrol")
@login_required
def enrol(course_id: int):
    if ActionForm().validate_on_submit():
        try:
            services.self_enrol(current_actor(), course_id)
            flash(_("Bạn đã đăng ký khóa học."), "success")
        except services.NotFound:
            raise
        except services.TrainingError as exc:
            flash(str(exc), "danger")
    return redirect(url_for("training.show_course", course_id=course_id))


@bp.get("/lessons/<int:lesson_id>")
@login_required
def show_lesson(lesson_id: int):
    actor = current_actor()
    lesson, _enrolment = services.open_lesson(actor, lesson_id)
    page = services.course_page(actor, lesson.course_id)  # after the visit: progress includes it
    extra = {"quiz_result": quiz.result(actor.user_id, lesson), "action_form": ActionForm()} \
        if lesson.type == "quiz" else {}
    return render_template("training/lesson.html", lesson=lesson, kind=lessons.get(lesson.type), **page, **extra)


@bp.post("/lessons/<int:lesson_id>/quiz")
@login_required
def start_quiz(lesson_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt_id = quiz.start(current_actor(), lesson_id)
    except services.NotFound:
        raise
    except services.TrainingError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("training.show_lesson", lesson_id=lesson_id))
    back = url_for("training.show_lesson", lesson_id=lesson_id)
    return redirect(url_for("exams.take_attempt", attempt_id=attempt_id, next=back))


@bp.get("/lessons/<int:lesson_id>/file")
@login_required
def download_file(lesson_id: int):
    lesson, params = services.open_file(current_actor(), lesson_id)
    try:
        path = files.path_of(params["stored"])
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    inline = lesson.type == "video" or params["stored"].endswith(".pdf")
    return send_file(path, download_name=params.get("filename") or params["stored"], as_attachment=not inline)


@bp.post("/lessons/<int:lesson_id>/progress")
@login_required
def video_progress(lesson_id: int):
    form = VideoProgressForm()
    if not form.validate_on_submit():
        return {"error": form.errors}, 400
    try:
        row = services.report_video(current_actor(), lesson_id, form.percent.data)
    except services.NotFound:
        raise
    except services.TrainingError as exc:
        return {"error": str(exc)}, 400
    return {"percent": row.percent if row else 0, "complete": bool(row and row.completed_at)}


@bp.get("/progress/<int:assignment_id>")
@login_required
def show_progress(assignment_id: int):
    """One person's progress in a track: the learner's own, or anyone's in an organiser's scope."""
    return render_template("training/progress.html", **services.assignment_progress(current_actor(), assignment_id))
