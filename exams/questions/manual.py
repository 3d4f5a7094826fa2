"""Types a person marks (essay, file upload) and the description, which is not marked."""
from __future__ import annotations

from markupsafe import Markup

from .base import QuestionType, register

FILE_TYPES = (".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".pdf", ".zip")


@register("essay")
class Essay(QuestionType):
    auto_graded = False

    def validate(self, params):
        return {"min_words": max(0, int(params.get("min_words") or 0))}

    def render(self, params, text_html, field):
        return super().render(params, text_html, field) + Markup(
            '<textarea class="form-control" rows="10" name="{f}"></textarea>').format(f=field)

    def from_item(self, item):
        return self.validate({})

    def to_item(self, params):
        return {"answers": []}


@register("file")
class FileUpload(QuestionType):
    """The practical part: the candidate uploads the file they produced."""
    auto_graded = False

    def validate(self, params):
        allowed = [e for e in params.get("extensions") or FILE_TYPES if e in FILE_TYPES]
        return {"extensions": allowed or list(FILE_TYPES)}

    def render(self, params, text_html, field):
        return super().render(params, text_html, field) + Markup(
            '<input class="form-control" type="file" name="{f}" accept="{a}">').format(
                f=field, a=",".join(params["extensions"]))

    def from_item(self, item):
        return self.validate({"extensions": item.get("extensions")})

    def to_item(self, params):
        return {"answers": [], "extensions": params["extensions"]}


@register("description")
class Description(QuestionType):
    auto_graded = False
    graded = False

    def validate(self, params):
        return {}

    def from_item(self, item):
        return {}

    def to_item(self, params):
        return {"answers": []}
