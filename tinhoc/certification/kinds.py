"""Certificate kinds: one small class each in a registry keyed by the type name stored on the certificate.

A kind says what it is called (Vietnamese, English through the catalogue), the prefix of its numbers
(`CB-2026-000017`), what its certificate shows (level, modules with dates and scores, hours, an exam or
a contest and its award) and how the details given at issue are checked and normalised. Registering a
name or a prefix twice fails at import; `check_registry()` (run by create_app) refuses a kind without
a label or a prefix, so a broken registry stops the app at start-up rather than at the first issue.
"""
from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import text

BASIC_MODULES = {
    "IU01": "Hiểu biết về CNTT cơ bản", "IU02": "Sử dụng máy tính cơ bản", "IU03": "Xử lý văn bản cơ bản",
    "IU04": "Sử dụng bảng tính cơ bản", "IU05": "Sử dụng trình chiếu cơ bản", "IU06": "Sử dụng Internet cơ bản",
}
ADVANCED_MODULES = {
    "IU07": "Xử lý văn bản nâng cao", "IU08": "Sử dụng bảng tính nâng cao", "IU09": "Sử dụng trình chiếu nâng cao",
    "IU10": "Sử dụng hệ quản trị cơ sở dữ liệu", "IU11": "Thiết kế đồ họa hai chiều", "IU12": "Biên tập ảnh",
    "IU13": "Biên tập trang thông tin điện tử", "IU14": "An toàn, bảo mật thông tin",
    "IU15": "Sử dụng phần mềm kế hoạch dự án",
}
_PREFIX = re.compile(r"^[A-Z]{2,4}$")
DETAIL_LABELS = {"title": _l("Khóa học, kỳ thi hoặc hội thi"), "award": _l("Giải"), "division": _l("Bảng")}


class DetailsError(ValueError):
    """Details that this kind cannot certify; `str(exc)` is the message for the user."""


def _text(value, limit: int = 200) -> str:
    """One line of user text by the site's text rule (tinhoc.text.clean: NFC, no control characters)."""
    cleaned = text.clean(value)
    if len(cleaned) > limit:
        raise DetailsError(_("Nội dung quá dài (tối đa %(n)d ký tự).", n=limit))
    return cleaned


def _score(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise DetailsError(_("Điểm phải là một số: %(v)s.", v=value))
    if not 0 <= score <= 100:
        raise DetailsError(_("Điểm phải nằm trong khoảng 0 đến 100."))
    return round(score, 2)


def _day(value) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise DetailsError(_("Ngày không hợp lệ (yyyy-mm-dd): %(v)s.", v=value))


class CertificateKind:
    """The base of every kind. Subclasses set the class attributes and may narrow `clean`."""

    name: ClassVar[str]
    label: ClassVar[str]                   # lazy string: Vietnamese, English through the catalogue
    prefix: ClassVar[str]                  # of the number: PREFIX-YEAR-SERIAL
    level: ClassVar[str | None] = None     # shown on the certificate, from the kind (not stored per certificate)
    modules: ClassVar[dict[str, str]] = {}  # module codes this kind may list (empty: free titles)
    shows_hours: ClassVar[bool] = False
    needs: ClassVar[tuple[str, ...]] = ()  # detail keys that must be given ("title", "award")
    achievement_type: ClassVar[str] = "Certificate"  # Open Badges 3.0 achievementType

    def clean(self, details: dict | None) -> dict:
        """Checked, normalised details (the stored JSON the signature's digest covers)."""
        details = dict(details or {})
        out: dict = {}
        for key in ("title", "award", "division", "note"):
            if details.get(key):
                out[key] = _text(details[key])
        for key in self.needs:
            if not out.get(key):
                raise DetailsError(_("Thiếu thông tin bắt buộc: %(k)s.", k=DETAIL_LABELS[key]))
        if details.get("hours") not in (None, ""):
            try:
                out["hours"] = int(details["hours"])
            except (TypeError, ValueError):
                raise DetailsError(_("Số giờ phải là số nguyên."))
            if not 0 < out["hours"] <= 10000:
                raise DetailsError(_("Số giờ phải lớn hơn 0."))
        if details.get("score") not in (None, ""):
            out["score"] = _score(details["score"])
        modules = [self._module(m) for m in details.get("modules") or ()]
        if len({m["code"] for m in modules}) != len(modules):
            raise DetailsError(_("Một học phần được ghi hai lần."))
        if modules:
            out["modules"] = sorted(modules, key=lambda m: m["code"])
        return out

    def _module(self, module: dict) -> dict:
        code = _text(module.get("code"), 32).upper()
        if self.modules and code not in self.modules:
            raise DetailsError(_("Học phần %(c)s không thuộc loại chứng chỉ này.", c=code))
        if not code:
            raise DetailsError(_("Học phần thiếu mã."))
        out = {"code": code, "name": _text(module.get("name") or self.modules.get(code, ""))}
        if (day := _day(module.get("completed_on"))) is not None:
            out["completed_on"] = day
        if (score := _score(module.get("score"))) is not None:
            out["score"] = score
        return out


_REGISTRY: dict[str, CertificateKind] = {}


class UnknownKind(KeyError):
    pass


def register(cls: type[CertificateKind]) -> type[CertificateKind]:
    """Class decorator: add a kind; a name or a prefix used twice fails at import."""
    if cls.name in _REGISTRY:
        raise ValueError(f"certificate kind {cls.name!r} registered twice")
    if any(k.prefix == cls.prefix for k in _REGISTRY.values()):
        raise ValueError(f"certificate number prefix {cls.prefix!r} used by two kinds")
    _REGISTRY[cls.name] = cls()
    return cls


def get(name: str) -> CertificateKind:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownKind(name) from None


class RetiredKind(CertificateKind):
    """What a stored certificate shows when its kind has since left the registry: it stays readable
    and verifiable (the signature covers the stored fields, not the class), it only cannot be issued."""

    prefix = ""

    def __init__(self, name: str):
        self.name = name
        self.label = _l("Loại chứng chỉ không còn cấp (%(name)s)", name=name)


def describe(name: str) -> CertificateKind:
    """The kind to display a stored certificate with: the registered one, or a RetiredKind."""
    return _REGISTRY.get(name) or RetiredKind(name)


def all_kinds() -> list[CertificateKind]:
    return list(_REGISTRY.values())


def check_registry() -> None:
    """Refuse a registry the certificates cannot be numbered or shown with (called at start-up)."""
    for name, kind in _REGISTRY.items():
        if not re.fullmatch(r"[a-z_]{1,32}", name):
            raise ValueError(f"certificate kind name {name!r}: lower-case letters and _ only")
        if not _PREFIX.match(getattr(kind, "prefix", "") or ""):
            raise ValueError(f"certificate kind {name!r}: prefix must be 2-4 capital letters")
        if not getattr(kind, "label", None):
            raise ValueError(f"certificate kind {name!r} has no label")


@register
class BasicICT(CertificateKind):
    name = "basic_ict"
    label = _l("Chứng chỉ ứng dụng CNTT cơ bản")
    prefix = "CB"
    level = _l("Cơ bản")
    modules = BASIC_MODULES
    shows_hours = True


@register
class AdvancedICT(CertificateKind):
    name = "advanced_ict"
    label = _l("Chứng chỉ ứng dụng CNTT nâng cao")
    prefix = "NC"
    level = _l("Nâng cao")
    modules = ADVANCED_MODULES
    shows_hours = True


@register
class CIOTrack(CertificateKind):
    name = "cio_track"
    label = _l("Chứng nhận bồi dưỡng Giám đốc CNTT (CIO)")
    prefix = "CIO"
    shows_hours = True
    achievement_type = "Course"


@register
class ITStaffTrack(CertificateKind):
    name = "it_staff_track"
    label = _l("Chứng nhận bồi dưỡng cán bộ chuyên trách CNTT")
    prefix = "CT"
    shows_hours = True
    achievement_type = "Course"


@register
class ExamPass(CertificateKind):
    name = "exam_pass"
    label = _l("Chứng nhận đạt kỳ thi ứng dụng CNTT")
    prefix = "KT"
    needs = ("title",)


@register
class ContestAward(CertificateKind):
    name = "contest_award"
    label = _l("Giấy chứng nhận giải Hội thi Tin học trẻ")
    prefix = "GT"
    achievement_type = "Award"
    needs = ("title", "award")
