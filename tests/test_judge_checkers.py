"""Built-in checkers (pure, streamed) and how program checkers' reports are read."""
from __future__ import annotations

import pytest

from tinhoc.judge import checkers
from tinhoc.judge.checkers import builtin
from tinhoc.judge.checkers import CheckContext, CheckerConfigError, make_checker
from tinhoc.judge.job import Verdict


@pytest.fixture
def check(tmp_path):
    def run(kind, out: bytes, ans: bytes, params=None, args=()):
        (tmp_path / "in").write_bytes(b"")
        (tmp_path / "out").write_bytes(out)
        (tmp_path / "ans").write_bytes(ans)
        c = make_checker(kind, params)
        return c.check(CheckContext(tmp_path / "in", tmp_path / "out", tmp_path / "ans", list(args))).verdict
    return run


@pytest.mark.parametrize("kind,out,ans,expected", [
    ("token", b"1 2\n3", b"1\n2 3\n", Verdict.AC),
    ("token", b"  1\t2 3  \n\n", b"1 2 3", Verdict.AC),
    ("token", b"1 2", b"1 2 3", Verdict.WA),
    ("token", b"1 2 3 4", b"1 2 3", Verdict.WA),
    ("token", b"Yes", b"YES", Verdict.WA),
    ("token", b"", b"", Verdict.AC),
    ("token", b"\n", b"", Verdict.AC),
    ("case-insensitive", b"yEs\n", b"YES", Verdict.AC),
    ("case-insensitive", b"yes no", b"YES", Verdict.WA),
    ("line", b"a b\nc \r\n\n\n", b"a b\nc", Verdict.AC),
    ("line", b"a  b\nc", b"a b\nc", Verdict.WA),
    ("line", b"a b c", b"a b\nc", Verdict.WA),
    ("line", b"\na", b"a", Verdict.WA),
    ("float", b"0.3333334", b"0.333333333", Verdict.AC),
    ("float", b"0.334", b"0.333333333", Verdict.WA),
    ("float", b"1000000.5", b"1000000", Verdict.AC),       # relative 1e-6 (0.5 <= 1.0)
    ("float", b"abc", b"1.0", Verdict.WA),
    ("float", b"x 1.0000001", b"x 1", Verdict.AC),
    ("float", b"nan", b"1", Verdict.WA),
    ("float", b"1e-7", b"0", Verdict.AC),
    ("float", b"1_0", b"10", Verdict.WA),                   # Python-only syntax is not a number
])
def test_builtin_checkers(check, kind, out, ans, expected):
    assert check(kind, out, ans) == expected


@pytest.mark.parametrize("flags,out,ans,expected", [
    ([], b"hello   WORLD\n", b"Hello world", Verdict.AC),        # no flags: case and spaces ignored
    (["case_sensitive"], b"hello world", b"Hello world", Verdict.WA),
    (["space_change_sensitive"], b"a  b\n", b"a b\n", Verdict.WA),
    (["space_change_sensitive"], b"a b\n", b"a b\n", Verdict.AC),
    (["space_change_sensitive"], b"a b", b"a b\n", Verdict.WA),    # trailing whitespace counts too
    (["float_tolerance", "1e-3"], b"1.0005", b"1", Verdict.AC),
    (["float_absolute_tolerance", "1e-3"], b"1000.5", b"1000", Verdict.WA),
    (["float_relative_tolerance", "1e-3"], b"1000.5", b"1000", Verdict.AC),
    (["float_tolerance", "1e-3"], b"YES 1", b"yes 1.0001", Verdict.AC),
    ([], b"1.0", b"1", Verdict.WA),                                # no tolerance: strings
])
def test_kattis_default_validator_flags(check, flags, out, ans, expected):
    assert check("kattis-default", out, ans, {"flags": flags}) == expected


def test_kattis_default_per_test_args_add_to_problem_flags(check):
    assert check("kattis-default", b"ABC", b"abc", {"flags": "case_sensitive"}) == Verdict.WA
    assert check("kattis-default", b"1.01", b"1", None, args=["float_tolerance", "0.1"]) == Verdict.AC


@pytest.mark.parametrize("flags", [["float_tolerance"], ["bogus"], ["float_tolerance", "x"],
                                   ["float_tolerance", "1", "float_absolute_tolerance", "1"]])
def test_kattis_default_refuses_bad_flags(flags):
    with pytest.raises(CheckerConfigError):
        make_checker("kattis-default", {"flags": flags})


def test_registry_unknown_and_duplicate():
    with pytest.raises(CheckerConfigError, match="unknown checker"):
        make_checker("nope")
    with pytest.raises(CheckerConfigError):
        make_checker("token", {"abs": 1})
    with pytest.raises(RuntimeError, match="duplicate"):
        checkers.register("token")(type("X", (checkers.Checker,), {}))
    assert make_checker("token-exact").type_name == "token"


def test_streaming_is_chunked_and_linear(tmp_path, check):
    # tokens and whitespace runs crossing chunk boundaries, a few MiB: compare in well under a second
    n = 400_000
    body = b" ".join(str(i).encode() for i in range(n)) + b"\n"
    spaced = b"\n".join(str(i).encode() for i in range(n))
    assert check("token", body, spaced) == Verdict.AC
    assert check("line", body, body + b"\n\n") == Verdict.AC
    assert check("float", body, spaced) == Verdict.AC
    bad = body[:-5] + b"9\n"
    assert check("token", bad, spaced) == Verdict.WA


def test_pieces_join_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(builtin, "CHUNK", 3)
    p = tmp_path / "f"
    p.write_bytes(b"abcdef   gh\n\n i")
    assert list(checkers.iter_pieces(p)) == [(False, b"abcdef"), (True, b"   "), (False, b"gh"),
                                             (True, b"\n\n "), (False, b"i")]
    q = tmp_path / "g"
    q.write_bytes(b"ab  \r\ncd\n\n\n")
    assert b"".join(builtin._normalised_lines(q)) == b"ab\ncd"


@pytest.mark.parametrize("code,stdout,verdict,fraction", [
    (0, "", Verdict.AC, None),
    (0, "points 0.25\n", Verdict.AC, 0.25),
    (1, "wrong", Verdict.WA, None),
    (2, "format", Verdict.WA, None),
    (3, "fail", Verdict.IE, None),
    (7, "points 0.5 half", Verdict.AC, 0.5),
    (7, "points 0", Verdict.WA, 0.0),
    (7, "", Verdict.IE, None),
    (7, "points 2", Verdict.IE, None),
    (139, "", Verdict.IE, None),
])
def test_testlib_exit_codes(tmp_path, code, stdout, verdict, fraction):
    src = tmp_path / "chk.cpp"
    src.write_text("")
    c = make_checker("testlib", {"source": src})
    r = c.interpret(code, stdout, "", None)
    assert r.verdict == verdict
    if verdict == Verdict.AC:
        assert r.fraction == fraction


def test_kattis_validator_feedback(tmp_path):
    src = tmp_path / "v.py"
    src.write_text("")
    c = make_checker("kattis-custom", {"source": src, "flags": "x"})
    fb: dict[str, str] = {}
    assert c.argv(["./v"], "in", "out", "ans", "fb/", ["y"]) == ["./v", "in", "ans", "fb/", "x", "y"]
    assert c.interpret(42, "", "", fb).verdict == Verdict.AC
    fb["judgemessage.txt"] = "too big"
    r = c.interpret(43, "", "", fb)
    assert r.verdict == Verdict.WA and r.message == "too big"
    assert c.interpret(0, "", "", fb).verdict == Verdict.IE            # 0 is not a judgement
    fb["score.txt"] = "17.5\n"
    assert c.interpret(42, "", "", fb).score == 17.5
    fb["score.txt"] = "lots"
    assert c.interpret(42, "", "", fb).verdict == Verdict.IE
    fb["score_multiplier.txt"] = "0.5"
    assert c.interpret(42, "", "", fb).verdict == Verdict.IE            # both files
    del fb["score.txt"]
    assert c.interpret(42, "", "", fb).fraction == 0.5


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_tokenisers_agree_with_split_at_any_chunk_size(tmp_path, monkeypatch, chunk):
    import random
    monkeypatch.setattr(builtin, "CHUNK", chunk)
    rng = random.Random(chunk)
    p = tmp_path / "f"
    for _ in range(30):
        data = bytes(rng.choice(b"ab \n\t\r") for _ in range(rng.randint(0, 40)))
        p.write_bytes(data)
        assert list(checkers.iter_tokens(p)) == data.split()
        pieces = list(checkers.iter_pieces(p))
        assert b"".join(x for _, x in pieces) == data
        assert [x for sp, x in pieces if not sp] == data.split()
        assert all(pieces[k][0] != pieces[k + 1][0] for k in range(len(pieces) - 1))


def test_a_huge_token_is_linear(tmp_path):
    import time
    p = tmp_path / "f"
    p.write_bytes(b"7" * (32 << 20))
    t = time.perf_counter()
    assert [len(x) for x in checkers.iter_tokens(p)] == [32 << 20]
    assert [len(x) for _, x in checkers.iter_pieces(p)] == [32 << 20]
    assert time.perf_counter() - t < 5
