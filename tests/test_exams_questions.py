"""Question types: grading per type, parameter checks, the registry; versions and mark_used."""
from __future__ import annotations

import pytest

from exams.questions import ParamsInvalid, get_type, registry, register


def _grade(type_, params, response):
    kind = get_type(type_)
    return kind.grade(kind.validate(params), response)


def test_single_choice():
    params = {"answers": [{"text": "a", "fraction": 1}, {"text": "b", "fraction": -0.5}, {"text": "c", "fraction": 0}]}
    assert [_grade("single", params, r) for r in (0, "1", 2, 7, None, "x")] == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_multiple_choice_partial_negative_never_below_zero():
    params = {"answers": [{"text": "a", "fraction": 0.5}, {"text": "b", "fraction": 0.5},
                          {"text": "c", "fraction": -1}]}
    assert _grade("multiple", params, ["0", "1"]) == 1.0
    assert _grade("multiple", params, ["0"]) == 0.5
    assert _grade("multiple", params, ["0", "2"]) == 0.0
    assert _grade("multiple", params, ["0", "0", "1"]) == 1.0   # a repeated option counts once
    assert _grade("multiple", params, []) == 0.0


def test_true_false():
    assert _grade("truefalse", {"correct": False}, "false") == 1.0
    assert _grade("truefalse", {"correct": False}, "true") == 0.0
    assert _grade("truefalse", {"correct": True}, "") == 0.0


@pytest.mark.parametrize("options,response,expected", [
    ({}, "Hà Nội", 1.0), ({}, "hà nội", 1.0), ({}, "Ha Noi", 0.0),
    ({"accent_sensitive": False}, "ha noi", 1.0), ({"accent_sensitive": False}, "HÀ NỘI", 1.0),
    ({"case_sensitive": True}, "hà nội", 0.0), ({"case_sensitive": True}, "Hà Nội", 1.0),
    ({"case_sensitive": True, "accent_sensitive": False}, "Ha Noi", 1.0),
    ({"case_sensitive": True, "accent_sensitive": False}, "ha noi", 0.0),
    ({}, "  Hà   Nội ", 1.0), ({}, "Hà Nội\u0301", 0.0),
])
def test_short_answer_case_and_diacritics(options, response, expected):
    assert _grade("shortanswer", {"answers": [{"text": "Hà Nội", "fraction": 1}], **options}, response) == expected


def test_short_answer_nfd_input_and_wildcard():
    import unicodedata
    params = {"answers": [{"text": "Hà Nội", "fraction": 1}, {"text": "thủ đô*", "fraction": 0.5}]}
    assert _grade("shortanswer", params, unicodedata.normalize("NFD", "Hà Nội")) == 1.0
    assert _grade("shortanswer", params, "Thủ đô Hà Nội") == 0.5


def test_numerical_tolerance_ranges_and_several_answers():
    params = {"answers": [{"value": 3.1416, "tolerance": 0.0001, "fraction": 1},
                          {"value": 3, "tolerance": 0.5, "fraction": 0.5}]}
    assert [_grade("numerical", params, r) for r in ("3.1416", "3,1417", "3.2", "2.5", "4", "pi", "nan", "inf")] == \
        [1.0, 1.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0]


def test_matching_equal_shares():
    params = {"pairs": [{"question": "Ctrl+C", "answer": "Sao chép"}, {"question": "Ctrl+V", "answer": "Dán"},
                        {"question": "", "answer": "Cắt"}]}
    assert _grade("matching", params, {"0": "Sao chép", "1": "Dán"}) == 1.0
    assert _grade("matching", params, {"0": "Sao chép", "1": "Cắt"}) == 0.5
    assert _grade("matching", params, "junk") == 0.0


def test_manual_and_description_types_are_not_auto_graded():
    for name in ("essay", "file", "description"):
        kind = get_type(name)
        assert not kind.auto_graded and kind.grade(kind.validate({}), "x") is None
    assert not get_type("description").graded


@pytest.mark.parametrize("type_,params", [
    ("single", {"answers": [{"text": "a", "fraction": 0.5}, {"text": "b", "fraction": 0}]}),
    ("single", {"answers": [{"text": "a", "fraction": 1}]}),
    ("multiple", {"answers": [{"text": "a", "fraction": 0.2}, {"text": "b", "fraction": 0.2}]}),
    ("single", {"answers": [{"text": "a", "fraction": 2}, {"text": "b", "fraction": 0}]}),
    ("truefalse", {}),
    ("shortanswer", {"answers": []}),
    ("numerical", {"answers": [{"value": "x"}]}),
    ("numerical", {"answers": [{"value": "nan"}]}),
    ("matching", {"pairs": [{"question": "a", "answer": "b"}]}),
])
def test_bad_params_are_refused(type_, params):
    with pytest.raises(ParamsInvalid):
        get_type(type_).validate(params)


def test_registry_refuses_duplicates_and_unknown_types():
    with pytest.raises(RuntimeError):
        register("single")(type("Again", (), {}))
    with pytest.raises(ParamsInvalid):
        get_type("cloze")
    assert set(registry) == {"single", "multiple", "truefalse", "shortanswer", "numerical", "matching", "essay",
                             "file", "description"}


def test_render_escapes_nothing_unsafe():
    kind = get_type("single")
    params = kind.validate({"answers": [{"text": "<script>x</script>a", "fraction": 1}, {"text": "b", "fraction": 0}]})
    html = str(kind.render(params, "<p>Câu</p>", "q1"))
    assert "<script>" not in html and 'name="q1"' in html


def test_versions_edit_in_place_until_used(app):
    from tinhoc.access import SYSTEM
    from exams import services
    category = services.ensure_category_path("IU01")
    app.extensions["sqlalchemy"].session.commit()
    params = {"answers": [{"text": "a", "fraction": 1}, {"text": "b", "fraction": 0}]}
    question = services.save_question(SYSTEM, None, category_id=category.id, type_="single", name="Q",
                                      body="<p>Một</p>", general_feedback="", params=params, difficulty=1)
    services.save_question(SYSTEM, question.id, category_id=category.id, type_="single", name="Q",
                           body="<p>Hai</p>", general_feedback="", params=params, difficulty=1)
    question = services.question_for(SYSTEM, question.id)
    assert [v.number for v in question.versions] == [1] and question.current.text == "<p>Hai</p>"
    services.mark_used(question.current)
    services.save_question(SYSTEM, question.id, category_id=category.id, type_="single", name="Q",
                           body="<p>Ba<script>x</script></p>", general_feedback="", params=params, difficulty=3)
    question = services.question_for(SYSTEM, question.id)
    assert [(v.number, v.text, v.used) for v in question.versions] == [(1, "<p>Hai</p>", True), (2, "<p>Bax</p>", False)]
    assert question.current_version == 2 and question.difficulty == 3


def test_bank_is_not_found_for_learners(app, make_user):
    from tinhoc.access import load_actor
    from exams import services
    learner = make_user("hv", roles=["learner"])
    with pytest.raises(services.NotFound):
        services.category_tree(load_actor(learner.id))


def test_start_up_check_fails_on_a_missing_or_extra_type(monkeypatch):
    from exams import questions
    monkeypatch.setitem(questions.registry, "cloze", object())
    with pytest.raises(RuntimeError):
        questions.check_registry()
