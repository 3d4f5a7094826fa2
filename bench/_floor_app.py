"""The floor of bench/exam_autosave.py: a bare Flask + SQLAlchemy endpoint inserting one row per
request, served by the same gunicorn and database as the real save endpoint.

    FLOOR_DATABASE_URL=... gunicorn -w 2 --threads 8 'bench._floor_app:app'
"""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Column, Integer, MetaData, Table, create_engine, insert

metadata = MetaData()
floor_save = Table("bench_floor_save", metadata, Column("id", Integer, primary_key=True),
                   Column("attempt", Integer, nullable=False), Column("seq", Integer, nullable=False),
                   Column("answers", JSON, nullable=True))

# The engine options of the app's own (tinhoc.config): no ping before each request.
engine = create_engine(os.environ["FLOOR_DATABASE_URL"], pool_pre_ping=False, pool_recycle=1800)
app = Flask(__name__)


@app.post("/save/<int:attempt>")
def save(attempt: int):
    body = request.get_json(silent=True) or {}
    with engine.begin() as conn:
        conn.execute(insert(floor_save).values(attempt=attempt, seq=body.get("seq", 0), answers=body.get("answers")))
    return jsonify(seq=body.get("seq", 0))


@app.get("/ready")
def ready():
    return "ok"
