"""Vietnamese text normal form: NFC text, case-insensitive code keys, folded search text, person version

Every stored name and code is rewritten with tinhoc.text.clean (NFC, no control or bidi characters,
one space between words). Codes get a key column (NFC, case-folded) with a unique index, so the
database itself refuses `qa-ư` beside `QA-Ư`; people and users get a folded search column; people
get a version counter for detecting concurrent edits.

Codes that already collide once normalised (e.g. " QI00051 " and "qi00051") cannot both keep their
code: the oldest row keeps it, the others get "~<id>" appended, and each rename is written to the
audit log (action "migration.code_renamed") so an admin can merge or fix them.

Revision ID: b7e1c9a4d2f0
Revises: 5b8e2c71d0a4
Create Date: 2026-11-29 22:10:00
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from tinhoc import text

revision = "b7e1c9a4d2f0"
down_revision = "5b8e2c71d0a4"
branch_labels = None
depends_on = None

# table -> (code column, key column or None, text columns to clean, folded search columns or None)
TABLES = {
    "organisation": ("code", "code_key", ("code", "name"), None),
    "job_position": ("code", "code_key", ("code", "name"), None),
    "person": ("employee_code", "code_key", ("employee_code", "full_name", "email", "title"),
               ("full_name", "employee_code")),
    "user": ("username", "username_key", ("username", "full_name", "email"), ("full_name", "username")),
}
CODE_WIDTH = {"organisation": 32, "job_position": 32, "person": 32, "user": 64}


def _normalise(conn, name: str) -> None:
    code_col, key_col, text_cols, search_cols = TABLES[name]
    columns = ["id", *text_cols]
    tbl = sa.table(name, *(sa.column(c) for c in columns), sa.column(key_col),
                   *([sa.column("search_text")] if search_cols else []))
    audit = sa.table("audit_entry", sa.column("at"), sa.column("actor_id"), sa.column("action"),
                     sa.column("object_type"), sa.column("object_id"), sa.column("before", sa.JSON),
                     sa.column("after", sa.JSON))
    taken: set[str] = set()
    for row in conn.execute(sa.select(*(tbl.c[c] for c in columns)).order_by(tbl.c.id)).mappings().all():
        values = {c: text.clean(row[c]) if c in ("code", "name", "employee_code", "full_name", "username")
                  else text.clean_or_none(row[c]) for c in text_cols}
        code = values[code_col]
        if text.code_key(code) in taken:
            suffix = f"~{row['id']}"
            renamed = code[:CODE_WIDTH[name] - len(suffix)] + suffix
            conn.execute(sa.insert(audit).values(
                at=datetime.now(timezone.utc), actor_id=None, action="migration.code_renamed",
                object_type=name, object_id=str(row["id"]),
                before={code_col: row[code_col]}, after={code_col: renamed}))
            code = values[code_col] = renamed
        taken.add(text.code_key(code))
        values[key_col] = text.code_key(code)
        if search_cols:
            values["search_text"] = text.search_text(values[search_cols[0]], values[search_cols[1]])
        conn.execute(sa.update(tbl).where(tbl.c.id == row["id"]).values(**values))


def upgrade():
    for name, (_code, key_col, _texts, search_cols) in TABLES.items():
        with op.batch_alter_table(name) as batch_op:
            batch_op.add_column(sa.Column(key_col, sa.String(256 if name == "user" else 128), nullable=True))
            if search_cols:
                batch_op.add_column(sa.Column("search_text", sa.String(300), nullable=False, server_default=""))
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))

    conn = op.get_bind()
    for name in TABLES:
        _normalise(conn, name)

    for name, (code_col, key_col, _texts, search_cols) in TABLES.items():
        with op.batch_alter_table(name) as batch_op:
            batch_op.alter_column(key_col, existing_type=sa.String(256 if name == "user" else 128), nullable=False)
            batch_op.drop_constraint(f"uq_{name}_{code_col}", type_="unique")
            batch_op.create_unique_constraint(f"uq_{name}_{key_col}", [key_col])
            if search_cols:
                batch_op.alter_column("search_text", existing_type=sa.String(300), server_default=None)
                batch_op.create_index(f"ix_{name}_search_text", ["search_text"], unique=False)


def downgrade():
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("version")
    for name, (code_col, key_col, _texts, search_cols) in TABLES.items():
        with op.batch_alter_table(name) as batch_op:
            if search_cols:
                batch_op.drop_index(f"ix_{name}_search_text")
                batch_op.drop_column("search_text")
            batch_op.drop_constraint(f"uq_{name}_{key_col}", type_="unique")
            batch_op.drop_column(key_col)
            batch_op.create_unique_constraint(f"uq_{name}_{code_col}", [code_col])
