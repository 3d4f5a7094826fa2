"""Session pages (ca thi): set-up by organisers, attendance lists, the proctor's board and actions,
the candidate's waiting room. Thin routes: parse, call one service, answer."""
from __future__ import annotations

import io

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exams import bp
from tinhoc.forms import error_summary
from tinhoc.main.services import register_home_panel
from tinhoc.orgs.services import NotFound as UploadNotFound
from tinhoc.orgs.spreadsheets import XLSX_MIME
from tinhoc.orgs.staff_import import ImportRefused
from tinhoc.security import current_actor, role_required

from . import attendance, candidate_import, proctoring, session_lists, sessions
from .errors import DeliveryError
from .errors import NotFound as DeliveryNotFound
from .forms_sessions import (ActionForm, ApplyListForm, CandidateListForm, ProctorActionForm, RoomForm,
                             SessionForm, UnitStaffForm)

ORGANISER = sessions.ORGANISER
register_home_panel("exams/sessions/_home_panel.html", session_lists.home_panel)


def _session_form(actor, session=None) -> SessionForm:
    form = SessionForm(obj=None)
    form.exam_id.choices = [(e.id, e.title) for e in session_lists.exams_for_sessions(actor)]
    form.organisation_id.choices = [(o.id, "— " * (o.depth or 0) + o.name) for o in session_lists.units_for_sessions(actor)]
    if session is not None:
        form.exam_id.choices = [(session.exam_id, session.exam.title)]
    return form


@bp.get("/sessions")
@login_required
def list_sessions():
    actor = current_actor()
    return render_template("exams/sessions/list.html", rows=session_lists.list_sessions(actor),
                           mine=session_lists.my_sessions(actor))


@bp.route("/sessions/new", methods=["GET", "POST"])
@role_required(*ORGANISER)
def new_session():
    actor = current_actor()
    form = _session_form(actor)
    if form.validate_on_submit():
        try:
            session = sessions.create_session(actor, exam_id=form.exam_id.data, organisation_id=form.organisation_id.data,
                                              name=form.name.data, starts_at=form.starts_at_utc())
        except sessions.SessionError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã tạo ca thi %(n)s.", n=session.name), "success")
            return redirect(url_for("exams.session_page", session_id=session.id))
    return render_template("exams/sessions/new.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@role_required(*ORGANISER)
def session_page(session_id: int):
    actor = current_actor()
    session = sessions.managed_session(actor, session_id)
    form = _session_form(actor, session)
    if request.method == "GET":
        form.exam_id.data, form.organisation_id.data, form.name.data = session.exam_id, session.organisation_id, session.name
        form.starts_at.data = session.starts_at.astimezone(attendance.LOCAL).replace(tzinfo=None)
    elif form.validate_on_submit():
        try:
            sessions.update_session(actor, session, organisation_id=form.organisation_id.data, name=form.name.data,
                                    starts_at=form.starts_at_utc())
            flash(_("Đã lưu ca thi."), "success")
        except sessions.SessionError as exc:
            flash(str(exc), "danger")
        return redirect(url_for("exams.session_page", session_id=session.id))
    else:
        flash(error_summary(form), "danger")
    unit_form = UnitStaffForm()
    unit_form.organisation_id.choices = form.organisation_id.choices
    return render_template("exams/sessions/session.html", session=session, form=form, room_form=RoomForm(),
                           unit_form=unit_form, list_form=CandidateListForm(), action=ActionForm(),
                           people=sessions.listed_candidates(session), counts=session_lists.room_counts(session),
                           proctors=session_lists.proctor_names(session))


def _back(session_id: int):
    return redirect(url_for("exams.session_page", session_id=session_id))


@bp.post("/sessions/<int:session_id>/rooms", defaults={"room_id": None})
@bp.post("/sessions/<int:session_id>/rooms/<int:room_id>")
@role_required(*ORGANISER)
def save_room(session_id: int, room_id: int | None):
    actor = current_actor()
    session = sessions.managed_session(actor, session_id)
    room = sessions.room_for(actor, session_id, room_id) if room_id is not None else None
    form = RoomForm()
    if not form.validate_on_submit():
        flash(error_summary(form), "danger")
        return _back(session_id)
    try:
        saved = sessions.save_room(actor, session, room, name=form.name.data, capacity=form.capacity.data,
                                   proctor_username=form.proctor.data)
        flash(_("Đã lưu phòng %(n)s.", n=saved.name), "success")
    except sessions.SessionError as exc:
        flash(str(exc), "danger")
    return _back(session_id)


@bp.post("/sessions/<int:session_id>/rooms/<int:room_id>/delete")
@role_required(*ORGANISER)
def delete_room(session_id: int, room_id: int):
    actor = current_actor()
    session = sessions.managed_session(actor, session_id)
    room = sessions.room_for(actor, session_id, room_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        unseated = sessions.delete_room(actor, session, room)
        flash(_("Đã xoá phòng; %(n)d thí sinh cần được xếp phòng lại.", n=unseated) if unseated
              else _("Đã xoá phòng."), "success")
    except sessions.SessionError as exc:
        flash(str(exc), "danger")
    return _back(session_id)


@bp.post("/sessions/<int:session_id>/candidates/unit")
@role_required(*ORGANISER)
def add_unit_candidates(session_id: int):
    actor = current_actor()
    session = sessions.managed_session(actor, session_id)
    form = UnitStaffForm()
    form.organisation_id.choices = [(o.id, o.name) for o in session_lists.units_for_sessions(actor)]
    if not form.validate_on_submit():
        flash(error_summary(form), "danger")
        return _back(session_id)
    try:
        added = sessions.add_unit_staff(actor, session, form.organisation_id.data, subtree=form.subtree.data)
        flash(_("Đã thêm %(n)d thí sinh.", n=added), "success")
    except sessions.SessionError as exc:
        flash(str(exc), "danger")
    return _back(session_id)


@bp.post("/sessions/<int:session_id>/candidates/import")
@role_required(*ORGANISER)
def import_candidates(session_id: int):
    actor = current_actor()
    session = sessions.managed_session(actor, session_id)
    form = CandidateListForm()
    if not form.validate_on_submit():
        flash(error_summary(form), "danger")
        return _back(session_id)
    upload = form.file.data
    plan, token = candidate_import.preview(actor, session, upload.read(), upload.filename or "")
    apply_form = ApplyListForm(data={"token": token}) if token else None
    return render_template("exams/sessions/import_preview.html", session=session, plan=plan, apply_form=apply_form,
                           filename=upload.filename), 200 if token else 400


@bp.post("/sessions/<int:session_id>/candidates/import/apply")
@role_required(*ORGANISER)
def apply_candidates(session_id: int):
    actor = current_actor()
    session = sessions.managed_session(actor, session_id)
    form = ApplyListForm()
    if not form.validate_on_submit():
        flash(error_summary(form), "danger")
        return _back(session_id)
    try:
        added = candidate_import.apply(actor, session, form.token.data)
        flash(_("Đã thêm %(n)d thí sinh từ danh sách.", n=added), "success")
    except UploadNotFound:
        abort(404)
    except ImportRefused as exc:
        flash(str(exc), "danger")
    return _back(session_id)


@bp.post("/sessions/<int:session_id>/candidates/<int:candidate_id>/remove")
@role_required(*ORGANISER)
def remove_candidate(session_id: int, candidate_id: int):
    actor = current_actor()
    sessions.managed_session(actor, session_id)
    candidate = sessions.candidate_for(actor, candidate_id)
    if candidate.session_id != session_id or not ActionForm().validate_on_submit():
        abort(404 if candidate.session_id != session_id else 400)
    try:
        sessions.remove_candidate(actor, candidate)
        flash(_("Đã bỏ thí sinh khỏi ca thi."), "success")
    except sessions.SessionError as exc:
        flash(str(exc), "danger")
    return _back(session_id)


@bp.post("/sessions/<int:session_id>/assign")
@role_required(*ORGANISER)
def assign_rooms(session_id: int):
    actor = current_actor()
    session = sessions.managed_session(actor, session_id)
    if ActionForm().validate_on_submit():
        try:
            counts = sessions.assign_rooms(actor, session)
            flash(_("Đã xếp phòng: %(c)s.", c=", ".join(f"{k}: {v}" for k, v in counts.items())), "success")
        except sessions.SessionError as exc:
            flash(str(exc), "danger")
    return _back(session_id)


@bp.post("/sessions/<int:session_id>/close")
@role_required(*ORGANISER)
def close_session(session_id: int):
    actor = current_actor()
    session = sessions.managed_session(actor, session_id)
    if ActionForm().validate_on_submit():
        sessions.close_session(actor, session)
        flash(_("Đã kết thúc ca thi."), "success")
    return _back(session_id)


@bp.get("/sessions/<int:session_id>/rooms/<int:room_id>/attendance.<fmt>")
@login_required
def attendance_list(session_id: int, room_id: int, fmt: str):
    room = sessions.room_for(current_actor(), session_id, room_id)
    if fmt == "pdf":
        data, mime = attendance.attendance_pdf(room.session, room), "application/pdf"
    elif fmt == "xlsx":
        data, mime = attendance.attendance_xlsx(room.session, room), XLSX_MIME
    else:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=mime, as_attachment=True,
                     download_name=f"danh-sach-ca{session_id}-phong{room_id}.{fmt}")


# --- the proctor's board (organiser in scope, or the room's proctor) -----------------------------

def _board(session_id: int):
    actor = current_actor()
    session = sessions.session_for(actor, session_id)
    rooms = sessions.room_scope(actor, session)
    wanted = request.args.get("room", type=int)
    if wanted is not None:
        if rooms is not None and wanted not in rooms or all(r.id != wanted for r in session.rooms):
            abort(404)
        rooms = {wanted}
    return session, rooms, proctoring.board(session, rooms)


@bp.get("/sessions/<int:session_id>/proctor")
@login_required
def proctor_page(session_id: int):
    session, rooms, states = _board(session_id)
    return render_template("exams/sessions/proctor.html", session=session, states=states, rooms=rooms,
                           summary=proctoring.summary(states), form=ProctorActionForm(), action=ActionForm(),
                           organiser=sessions.organises(current_actor(), session))


@bp.get("/sessions/<int:session_id>/proctor.json")
@login_required
def proctor_json(session_id: int):
    session, _rooms, states = _board(session_id)
    return jsonify(opened=session.opened_at is not None, closed=session.closed_at is not None,
                   summary=proctoring.summary(states), candidates=[s.as_json() for s in states])


@bp.post("/sessions/<int:session_id>/open")
@login_required
def open_session(session_id: int):
    actor = current_actor()
    session = sessions.session_for(actor, session_id)
    if ActionForm().validate_on_submit():
        try:
            opened = sessions.open_session(actor, session)
            flash(_("Đã mở ca thi: giờ làm bài của mọi thí sinh tính từ bây giờ.") if opened
                  else _("Ca thi đã được mở trước đó."), "success")
        except sessions.SessionError as exc:
            flash(str(exc), "danger")
    return redirect(url_for("exams.proctor_page", session_id=session_id))


PROCTOR_ACTIONS = {"extra-time": proctoring.give_extra_time, "reopen": proctoring.reopen_attempt,
                   "absent": proctoring.mark_absent, "present": proctoring.clear_absent}


@bp.post("/sessions/candidates/<int:candidate_id>/<any('extra-time', 'reopen', 'absent', 'present'):action>")
@login_required
def proctor_action(candidate_id: int, action: str):
    actor = current_actor()
    candidate = sessions.candidate_for(actor, candidate_id)
    form = ProctorActionForm()
    if not form.validate_on_submit():
        flash(error_summary(form), "danger")
    else:
        args = () if action in ("absent", "present") else (form.minutes.data,)
        try:
            PROCTOR_ACTIONS[action](actor, candidate.id, *args, form.reason.data)
            flash(_("Đã ghi: %(a)s.", a=proctoring.ACTION_LABELS[action]), "success")
        except sessions.SessionError as exc:
            flash(str(exc), "danger")
    return redirect(url_for("exams.proctor_page", session_id=candidate.session_id))


# --- the candidate's waiting room --------------------------------------------------------------

@bp.get("/sessions/<int:session_id>/wait")
@login_required
def waiting_room(session_id: int):
    candidate = sessions.candidacy_for(current_actor(), session_id)
    return render_template("exams/sessions/wait.html", candidate=candidate, session=candidate.session,
                           form=ActionForm())


@bp.post("/sessions/<int:session_id>/check-in")
@login_required
def check_in(session_id: int):
    if ActionForm().validate_on_submit():
        try:
            proctoring.check_in(current_actor(), session_id)
        except sessions.SessionError as exc:
            flash(str(exc), "danger")
    return redirect(url_for("exams.waiting_room", session_id=session_id))


@bp.get("/sessions/<int:session_id>/status.json")
@login_required
def waiting_status(session_id: int):
    return jsonify(proctoring.waiting_status(current_user.id, session_id))


@bp.post("/sessions/<int:session_id>/start")
@login_required
def start_in_session(session_id: int):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("exams.waiting_room", session_id=session_id))
    try:
        attempt = proctoring.start_in_session(current_actor(), session_id)
    except DeliveryNotFound:
        abort(404)
    except (sessions.SessionError, DeliveryError) as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exams.waiting_room", session_id=session_id))
    return redirect(proctoring.attempt_url(attempt))
