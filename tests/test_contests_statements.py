"""Statements: formulas survive Markdown (typeset by the vendored KaTeX on the page), and a problem
may carry a PDF statement, refused with the reason when it is not one, shown only to those who may
read the problem, and never before the round starts."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from tests.contest_helpers import START, contest_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def cw(db, frozen_clock):
    return contest_world(db)


def _edit(client, problem_id, **fields):
    data = {"title": "Tổng", "statement": "Tính $a_i + b_i$ với $a_i < 10^9$."}
    data.update(fields)
    return client.post(f"/contests/problems/{problem_id}/statement", data=data, content_type="multipart/form-data")


def test_formulas_are_kept_out_of_markdown_and_escaped():
    from contests.problems import render_statement
    html = render_statement("Cho $a_i$ và $b_i$ với $1 \\le a_i < 10^9$ và **đậm**.\n\n$$\\sum_{i=1}^{n} a_i$$\n\n"
                            "```\necho $HOME\n```\n\n$<script>alert(1)</script>$")
    assert "$a_i$ và $b_i$" in html                     # not <em>i$ và $b</em>
    assert "$1 \\le a_i &lt; 10^9$" in html and "<strong>đậm</strong>" in html
    assert "$$\\sum_{i=1}^{n} a_i$$" in html and "echo $HOME" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_problem_page_typesets_formulas_with_the_vendored_katex(client, login, cw, frozen_clock, app):
    frozen_clock.freeze(START + timedelta(minutes=5))
    login("alice")
    page = client.get(f"/contests/problems/{cw['problem'].id}").get_data(as_text=True)
    assert "/static/vendor/katex/katex.min.js" in page and "/static/js/math.js" in page
    assert "cdn" not in page.lower()
    for asset in ("vendor/katex/katex.min.js", "vendor/katex/contrib/auto-render.min.js", "js/math.js"):
        assert client.get(f"/static/{asset}").status_code == 200


def test_organiser_attaches_replaces_and_removes_a_pdf_statement(client, login, cw, db, frozen_clock):
    from contests.problems import packages_dir
    problem_id = cw["problem"].id
    login("organiser")
    r = _edit(client, problem_id, pdf=(io.BytesIO(PDF), "de.pdf"))
    assert r.status_code == 302
    db.session.refresh(cw["problem"])
    first = cw["problem"].statement_pdf
    assert first and (packages_dir() / first).read_bytes() == PDF
    assert "$a_i + b_i$" in cw["problem"].statement_html
    got = client.get(f"/contests/problems/{problem_id}/statement.pdf")
    assert got.status_code == 200 and got.mimetype == "application/pdf" and got.data == PDF
    assert "de-bai-A.pdf" in got.headers["Content-Disposition"]
    assert "statement-pdf" in client.get(f"/contests/problems/{problem_id}").get_data(as_text=True)

    second = PDF.replace(b"1.4", b"1.7")
    assert _edit(client, problem_id, pdf=(io.BytesIO(second), "moi.pdf")).status_code == 302
    db.session.refresh(cw["problem"])
    assert cw["problem"].statement_pdf != first and not (packages_dir() / first).exists()
    assert client.get(f"/contests/problems/{problem_id}/statement.pdf").data == second

    assert _edit(client, problem_id, remove_pdf="y").status_code == 302
    db.session.refresh(cw["problem"])
    assert cw["problem"].statement_pdf == ""
    assert client.get(f"/contests/problems/{problem_id}/statement.pdf").status_code == 404


@pytest.mark.parametrize("data, reason", [
    (b"PK\x03\x04 a zip renamed to .pdf", "không phải PDF"),
    (b"%PDF-1.4 cut off in the middle", "không phải PDF"),
    (b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n", "lớn quá 10 MiB"),
])
def test_a_file_that_is_no_pdf_is_refused_and_the_typed_text_and_old_pdf_stay(client, login, cw, db, data, reason):
    login("organiser")
    problem_id = cw["problem"].id
    assert _edit(client, problem_id, pdf=(io.BytesIO(PDF), "de.pdf")).status_code == 302
    r = _edit(client, problem_id, statement="Văn bản mới chưa lưu", pdf=(io.BytesIO(data), "de.pdf"))
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "Chưa lưu" in page and reason in page and "Văn bản mới chưa lưu" in page
    db.session.refresh(cw["problem"])
    assert cw["problem"].statement_md != "Văn bản mới chưa lưu"
    assert client.get(f"/contests/problems/{problem_id}/statement.pdf").data == PDF


def test_the_pdf_is_hidden_before_the_round_and_from_those_who_may_not_read_the_problem(
        client, login, cw, db, frozen_clock, make_user):
    from contests import problems
    from tinhoc.access import SYSTEM
    problems.set_statement_pdf(SYSTEM, cw["problem"], PDF)
    url = f"/contests/problems/{cw['problem'].id}/statement.pdf"
    frozen_clock.freeze(START - timedelta(minutes=5))
    login("alice")
    assert client.get(url).status_code == 404            # the round has not started: nothing leaks
    frozen_clock.freeze(START + timedelta(minutes=5))
    assert client.get(url).status_code == 200
    make_user("nguoingoai", roles=["student"])
    login("nguoingoai")
    assert client.get(url).status_code == 404            # not an entrant of this division
    login("district")
    assert client.get(url).status_code == 404            # a district organiser does not run a province contest
    client.post("/logout")
    assert client.get(url).status_code in (302, 401)
