"""The yearly report to the Provincial People's Committee as a printable PDF (reportlab platypus):
the figures of a subtree against the period's targets, the breakdown by the units under it, and the
agencies still missing. The certificates' DejaVu Sans is embedded, so Vietnamese renders anywhere."""
from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ...access import Actor
from ...extensions import db
from ..pdf import BOLD, REGULAR, _fonts
from . import services

MAX_MISSING_ROWS = 500   # the PDF lists at most this many missing agencies per metric; the .xlsx has all


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", "\u202f")


def _styles():
    return (ParagraphStyle("title", fontName=BOLD, fontSize=15, leading=19, spaceAfter=6),
            ParagraphStyle("h2", fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=10, spaceAfter=4),
            ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12))


def _table(rows, widths, header_rows: int = 1) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), REGULAR, 8.5), ("FONT", (0, 0), (-1, header_rows - 1), BOLD, 8.5),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#DDEBF7")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
    return table


def render(actor: Actor, org_id: int | None, period_id: int | None, year: int | None) -> tuple[str, bytes]:
    _fonts()
    board = services.dashboard(actor, org_id, period_id, year, live=True)
    title, h2, body = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm,
                            title=_("Báo cáo kết quả thực hiện chỉ tiêu nhân lực CNTT năm %(y)d", y=board.year))
    story = [Paragraph(_("Báo cáo kết quả thực hiện chỉ tiêu nhân lực CNTT năm %(y)d", y=board.year), title),
             Paragraph(_("Kính gửi: Ủy ban nhân dân tỉnh"), body),
             Paragraph(f"{_('Đơn vị')}: {board.unit.name} · {_('Kỳ kế hoạch')}: "
                       f"{board.period.name if board.period else _('Chưa có kỳ kế hoạch')} · "
                       f"{_('Số liệu tính đến ngày')} {board.day:%d/%m/%Y}", body),
             Paragraph(_("1. Kết quả so với chỉ tiêu"), h2)]
    head = [_("Chỉ tiêu"), _("Đạt"), _("Tổng số"), _("Kết quả"), _("Chỉ tiêu"), _("Còn thiếu"), _("Cần thêm")]
    rows = [[Paragraph(h, body) for h in head]]
    for row in board.rows:
        f = row.figure
        unit = "%" if f.metric.share else ""
        rows.append([Paragraph(str(f.metric.label), body), _fmt(f.numerator, 0), _fmt(f.denominator, 0),
                     _fmt(f.value) + unit, _fmt(f.target) + (unit if f.target is not None else ""),
                     _fmt(f.gap), _fmt(f.still_needed, 0)])
    story.append(_table(rows, [110 * mm, 22 * mm, 22 * mm, 24 * mm, 24 * mm, 24 * mm, 24 * mm]))
    if board.rows and board.rows[0].children:
        story.append(Paragraph(_("2. Theo đơn vị trực thuộc (kết quả / chỉ tiêu)"), h2))
        header = [Paragraph(_("Đơn vị"), body)] + [Paragraph(str(r.figure.metric.label), body) for r in board.rows]
        table = [header]
        for i, (child, _figure) in enumerate(board.rows[0].children):
            cells = [Paragraph(child.name, body)]
            for row in board.rows:
                figure = row.children[i][1]
                unit = "%" if figure.metric.share else ""
                # a Paragraph wraps within the column (13 metrics share the page's width)
                cells.append(Paragraph(f"{_fmt(figure.value)}{unit} / {_fmt(figure.target)}", body))
            table.append(cells)
        story.append(_table(table, [75 * mm] + [(190 * mm) / len(board.rows)] * len(board.rows)))
    story.append(Paragraph(_("3. Cơ quan còn thiếu"), h2))
    for row in board.rows:
        metric = row.figure.metric
        if metric.missing_label is None or metric.missing_kind != "agency":
            continue
        stmt = services.missing_statement(actor, metric.name, board.unit.id, board.day)[2]
        units = list(db.session.scalars(stmt.limit(MAX_MISSING_ROWS)))
        story.append(Paragraph(f"{metric.missing_label}: {len(units) if len(units) < MAX_MISSING_ROWS else '≥ ' + str(MAX_MISSING_ROWS)}", body))
        if units:
            story.append(Paragraph(", ".join(u.name for u in units), body))
        story.append(Spacer(1, 4))
    doc.build(story)
    return f"bao-cao-chi-tieu-{board.year}-{board.unit.code}.pdf", out.getvalue()
