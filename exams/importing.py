"""Question import: plan (parse + check every item against its type) → preview → apply in one
transaction. The web page (through `tinhoc.orgs.pending`, files bound to their uploader) and
`flask tinhoc import-questions` share it, as the staff import's plan → preview → apply."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from tinhoc import text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs import pending

from . import services
from .importers import FORMATS, Parsed, parse
from .importers.common import MAX_BYTES
from .questions import ParamsInvalid, get_type

_PLUGINFILE = re.compile(r'@@PLUGINFILE@@/([^"\'<>]+)')


class ImportRefused(services.BankError):
    """The plan has errors, or the file is refused: nothing was written."""


@dataclass
class ImportPlan:
    format: str
    parsed: Parsed
    category: str = ""                              # where items without their own category go
    versions: list[dict] = field(default_factory=list)   # parallel to parsed.items: what would be stored

    @property
    def ok(self) -> bool:
        return self.parsed.ok

    def as_json(self) -> dict:
        """{"items": [...], "errors": [...], "unsupported": [...]} as the CLI prints it."""
        return {"items": [item_json(i) for i in self.parsed.items], "errors": self.parsed.errors,
                "unsupported": self.parsed.unsupported}


def item_json(item: dict) -> dict:
    out = {k: v for k, v in item.items() if k not in ("images", "params", "marker")}
    if item.get("images"):
        out["images"] = [{"name": i["name"], "content_type": i["content_type"], "bytes": len(i["data"])}
                         for i in item["images"]]
    return out


def _target(base: str, own: str | None) -> str:
    return "/".join(p for p in (base, own or "") if p) or services.DEFAULT_CATEGORY


def plan(data: bytes, fmt: str, *, category: str = "") -> ImportPlan:
    """Read the file and check every item; nothing is written."""
    if fmt not in FORMATS:
        raise ImportRefused(_("Định dạng “%(f)s” không được hỗ trợ.", f=fmt))
    parsed = parse(data, fmt)
    result = ImportPlan(fmt, parsed, text.clean(category))
    checked = []
    for item in parsed.items:
        try:
            _pending_images(item)   # @@PLUGINFILE@@/name → a marker the sanitiser keeps until the apply
            version = services.clean_version(item["type"], item.get("name", ""), item.get("text", ""),
                                             item.get("general_feedback", ""), item, item=True)
        except ParamsInvalid as exc:
            parsed.error(item.get("line"), _("Câu “%(n)s”: %(e)s", n=item.get("name", "")[:60], e=str(exc)))
            continue
        # What is stored is what the preview shows: the type's own reading of the answers.
        item.update(get_type(item["type"]).to_item(version["params"]))
        item["category"] = _target(result.category, item.get("category"))
        item["text"] = version["text"]
        checked.append(item)
        result.versions.append(version)
    parsed.items = checked
    parsed.errors.sort(key=lambda e: e["line"] or 0)   # the file's problems first, then in file order
    return result


MAX_UPLOAD = MAX_BYTES  # read one byte more than this and the file is refused by its size

# An image reference kept in the stored text until the apply gives it its /exams/images/<id> URL.
PENDING_SRC = "/exams/images/0?f="


def apply(actor: Actor, import_plan: ImportPlan, *, source: str = "") -> dict[str, int]:
    """Write every item of a clean plan in one transaction (categories created as needed), with an
    audit entry; the caller's transaction may already hold the claimed pending upload."""
    if not import_plan.ok:
        db.session.rollback()
        raise ImportRefused(_("Tệp còn %(n)d lỗi: không có câu hỏi nào được nhập.", n=len(import_plan.parsed.errors)))
    cache: dict = {}
    counts: dict[str, int] = {}
    try:
        for item, version in zip(import_plan.parsed.items, import_plan.versions):
            category = services.ensure_category_path(item["category"], cache)
            version = dict(version)
            urls = {i["name"]: f"/exams/images/{services.store_image(i['data'], i['name']).id}"
                    for i in item.get("images") or ()}
            version = _strings(version, lambda value: re.sub(
                re.escape(PENDING_SRC) + r"([^\"'<>]+)", lambda m: urls.get(_unquote(m.group(1)), ""), value))
            version["text"] = services.sanitize_question_html(version["text"])
            services.add_question(actor, category, version, difficulty=item.get("difficulty") or 2,
                                  tags=item.get("tags") or ())
            counts[item["type"]] = counts.get(item["type"], 0) + 1
        audit(actor, "questions.import", "question", None,
              after={"source": text.clean(source)[:255], "format": import_plan.format, "counts": counts,
                     "unsupported": len(import_plan.parsed.unsupported)})
        db.session.commit()
    except services.BankError:
        db.session.rollback()
        raise
    except IntegrityError:   # another import created the same category (or tag) meanwhile
        db.session.rollback()
        raise ImportRefused(_("Ngân hàng vừa được thay đổi trong lúc nhập; không có câu hỏi nào được ghi. "
                              "Hãy nhập lại.")) from None
    return counts


def _strings(value, change):
    """`value` (dicts, lists, strings) with `change` applied to every string."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: _strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v, change) for v in value]
    return value


def _pending_images(item: dict) -> None:
    for key in ("text", "general_feedback", "answers", "pairs"):
        if key in item:
            item[key] = _strings(item[key], lambda v: _PLUGINFILE.sub(lambda m: f"{PENDING_SRC}{m.group(1)}", v))


def _unquote(value: str) -> str:
    from urllib.parse import unquote
    return unquote(value)


# --- the web flow: upload → preview → apply, the file kept between them -----------------------

def _kind(fmt: str) -> str:
    return f"questions:{fmt}"


def keep_upload(actor: Actor, data: bytes, filename: str, fmt: str) -> str:
    services.category_tree(actor)  # the bank's access rule
    return pending.keep_upload(actor, data, filename, kind=_kind(fmt))


def preview_pending(actor: Actor, token: str, fmt: str, category: str = "") -> tuple[ImportPlan, str]:
    services.category_tree(actor)
    try:
        kept = pending.pending_import_for(actor, token, _kind(fmt))
    except pending.ImportRefused as exc:
        raise ImportRefused(str(exc)) from None
    except pending.NotFound as exc:
        raise services.NotFound(str(exc)) from None
    return plan(kept.data, fmt, category=category), kept.filename


def apply_pending(actor: Actor, token: str, fmt: str, category: str = "") -> dict[str, int]:
    """Claim the kept file and import it in the same transaction (checked again: a file that does
    not plan cleanly writes nothing and stays kept)."""
    services.category_tree(actor)
    try:
        kept = pending.claim(actor, token, _kind(fmt))
    except pending.ImportRefused as exc:
        raise ImportRefused(str(exc)) from None
    except pending.NotFound as exc:
        raise services.NotFound(str(exc)) from None
    return apply(actor, plan(kept.data, fmt, category=category), source=kept.filename)
