"""The exams' metric in the targets registry: the pass rate of the ICT exams (kỳ thi ứng dụng CNTT).

Registered from here at app start (exams/__init__ imports this module): certification may not import
exams, so the registry learns of the metric the other way round, as ARCHITECTURE.md's direction asks.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func
from sqlalchemy.orm import aliased

from tinhoc.accounts.models import User
from tinhoc.certification.services import LOCAL
from tinhoc.certification.targets import metrics
from tinhoc.orgs.models import Organisation, Person

from .delivery.models import FINAL_STATES, Exam, ExamAttempt


def year_start(day: date) -> datetime:
    """The UTC instant the local year of `day` begins."""
    return datetime.combine(date(day.year, 1, 1), time(), tzinfo=LOCAL).astimezone(timezone.utc)


@metrics.register
class ExamPassRate(metrics.Metric):
    """Share of marked exam papers that passed: each candidate's latest finished attempt of each part
    (a retake replaces the earlier one, as the result tables count it) of the exams (not training
    quizzes) whose results were released in the year of `day`, up to `day`, by the candidate's unit."""

    name = "exam_pass_rate"
    label = _l("Tỷ lệ bài thi ứng dụng CNTT đạt yêu cầu")
    sources = metrics.Metric.sources + ((User, "person_id"), (Exam, "kind", "results_released_at"),
                                        (ExamAttempt, "state", "passed", "number", "user_id", "part_id"))

    def counts(self, key, where, day):
        as_of = metrics.end_of_day(day)
        later = aliased(ExamAttempt)
        superseded = exists().where(later.part_id == ExamAttempt.part_id, later.user_id == ExamAttempt.user_id,
                                    later.number > ExamAttempt.number, later.state.in_(FINAL_STATES))
        return (metrics.grouped(key, func.coalesce(func.sum(case((ExamAttempt.passed.is_(True), 1), else_=0)), 0),
                                func.count(ExamAttempt.id))
                .select_from(ExamAttempt).join(Exam, Exam.id == ExamAttempt.exam_id)
                .join(User, User.id == ExamAttempt.user_id).join(Person, Person.id == User.person_id)
                .join(Organisation, Organisation.id == Person.organisation_id)
                .where(Exam.kind == "exam", and_(Exam.results_released_at >= year_start(day),
                                                 Exam.results_released_at <= as_of),
                       ExamAttempt.state.in_(FINAL_STATES), ExamAttempt.passed.is_not(None), ~superseded,
                       Organisation.archived_at.is_(None), *where))
