"""Exam delivery: exams with parts and blueprints, forms drawn from a stored seed, sessions (ca thi),
attempts that never lose an answer, submission and auto-marking.

Kept import-light: the models are imported by `tinhoc._import_models`, routes by `exams/__init__`.
"""
