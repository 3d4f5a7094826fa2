"""A small bank (one question of every type), an exam open to a district and its candidates, for the
delivery tests and the access table."""
from __future__ import annotations

from datetime import timedelta

THEORY = [
    ("single", {"answers": [{"text": "Đúng", "fraction": 1}, {"text": "Sai 1", "fraction": 0},
                            {"text": "Sai 2", "fraction": 0}, {"text": "Sai 3", "fraction": 0}]}),
    ("multiple", {"answers": [{"text": "A", "fraction": 0.5}, {"text": "B", "fraction": 0.5},
                              {"text": "C", "fraction": -1}]}),
    ("truefalse", {"correct": True}),
    ("shortanswer", {"answers": [{"text": "Ctrl", "fraction": 1}]}),
    ("numerical", {"answers": [{"value": 3.14, "tolerance": 0.01, "fraction": 1}]}),
    ("matching", {"pairs": [{"question": "Ctrl+C", "answer": "Sao chép"}, {"question": "Ctrl+V", "answer": "Dán"}]}),
    ("essay", {}),
]
# The right answer of each auto-marked type, in the stored order of options.
RIGHT = {"single": 0, "multiple": [0, 1], "truefalse": "true", "shortanswer": "ctrl", "numerical": "3,14",
         "matching": {"0": "Sao chép", "1": "Dán"}}


def make_bank(extra_single: int = 0) -> dict:
    """Category "Thi/Lý thuyết" with one question of each theory type (+ `extra_single` single-choice
    ones) and "Thi/Thực hành" with one file-upload question; returns the category ids."""
    from exams import services as bank
    from tinhoc.extensions import db
    theory = bank.ensure_category_path("Thi/Lý thuyết")
    practical = bank.ensure_category_path("Thi/Thực hành")
    for index, (type_, params) in enumerate(THEORY + [THEORY[0]] * extra_single):
        version = bank.clean_version(type_, f"{type_} {index}", f"<p>Câu {type_} số {index}</p>", "", params)
        bank.add_question(None, theory, version, difficulty=2)
    version = bank.clean_version("file", "Thực hành Word", "<p>Soạn thảo văn bản rồi nộp tệp .docx</p>", "",
                                 {"extensions": [".docx", ".xlsx", ".pptx"]})
    bank.add_question(None, practical, version, difficulty=2)
    db.session.commit()
    from exams.delivery import forms_drawing
    forms_drawing.clear_cache()
    return {"theory": theory.id, "practical": practical.id}


def make_exam(org_id: int, categories: dict, *, theory_count: int = 7, opens_at=None, minutes: int = 30,
              attempts: int = 1, open_to_subtree: bool = True, shuffle: bool = True):
    """An exam of `org_id` with a theory part (all theory questions) and a practical part (the file)."""
    from tinhoc import clock
    from tinhoc.access import SYSTEM
    from exams.delivery import setup
    now = opens_at or clock.now()
    exam = setup.save_exam(SYSTEM, None, title="Kỳ thi thử", organisation_id=org_id, opens_at=now - timedelta(hours=1),
                           closes_at=now + timedelta(days=1), attempts_allowed=attempts, open_to_subtree=open_to_subtree,
                           shuffle_questions=shuffle, shuffle_options=shuffle)
    theory = setup.save_part(SYSTEM, exam, None, title="Lý thuyết", duration_minutes=minutes, blueprint=[
        {"category_id": categories["theory"], "difficulty": None, "count": theory_count, "points": 1}])
    practical = setup.save_part(SYSTEM, exam, None, title="Thực hành", duration_minutes=minutes, blueprint=[
        {"category_id": categories["practical"], "difficulty": None, "count": 1, "points": 1}])
    return exam, theory, practical


def shown(item, stored):
    """A stored-order answer as the page shows it (option positions after shuffling)."""
    order = item.option_order
    if order is None:
        return stored
    if isinstance(stored, int):
        return order.index(stored)
    if isinstance(stored, list):
        return [order.index(v) for v in stored]
    return stored


def delivery_world(db, org_id: int, user_id: int) -> dict:
    """For the access table: an exam of `org_id` and an open attempt of `user_id` at its theory part."""
    categories = make_bank()
    exam, theory, practical = make_exam(org_id, categories)
    from exams.delivery import services
    attempt = services.start_attempt(user_id, practical.id)
    return {"exam_id": exam.id, "part_id": theory.id, "attempt_id": attempt.id, "item_id": attempt.items[0].id}
