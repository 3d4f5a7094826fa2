"""Languages: a+b accepted in each, readable CE for each compiled one, registry and availability."""
from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile

import pytest

from tinhoc.judge.languages import (LANGUAGES, CompileOutcome, LanguageUnavailable, get_language,
                                    language_for_filename)
from tinhoc.judge.sandbox import RunLimits, bwrap_available, open_sandbox

LIMITS = RunLimits(cpu_time=1.0, wall_time=3.0, memory_mib=256, output_mib=16)

needs_box = pytest.mark.skipif(not bwrap_available(), reason="bubblewrap (bwrap) is not installed")


def _block(opcode, parent, next_=None, inputs=None, fields=None, top=False):
    b = {"opcode": opcode, "next": next_, "parent": parent, "inputs": inputs or {},
         "fields": fields or {}, "shadow": False, "topLevel": top}
    if top:
        b.update(x=0, y=0)
    return b


def sb3(blocks: dict, variables: dict | None = None) -> bytes:
    """A Scratch 3 project whose only sprite has `blocks`; stage variables id -> [name, value]."""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"></svg>'
    md5 = hashlib.md5(svg).hexdigest()
    costume = {"name": "c", "assetId": md5, "md5ext": md5 + ".svg", "dataFormat": "svg",
               "rotationCenterX": 1, "rotationCenterY": 1}
    common = {"lists": {}, "broadcasts": {}, "comments": {}, "currentCostume": 0,
              "costumes": [costume], "sounds": [], "volume": 100}
    stage = {"isStage": True, "name": "Stage", "blocks": {}, "layerOrder": 0, "tempo": 60,
             "videoTransparency": 50, "videoState": "on", "textToSpeechLanguage": None,
             "variables": variables or {}, **common}
    sprite = {"isStage": False, "name": "Sprite1", "blocks": blocks, "layerOrder": 1, "visible": True,
              "x": 0, "y": 0, "size": 100, "direction": 90, "draggable": False,
              "rotationStyle": "all around", "variables": {}, **common}
    project = {"targets": [stage, sprite], "monitors": [], "extensions": [],
               "meta": {"semver": "3.0.0", "vm": "0.2.0", "agent": ""}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("project.json", json.dumps(project))
        z.writestr(md5 + ".svg", svg)
    return buf.getvalue()


def scratch_ab() -> bytes:
    """ask, ask, say (answer1 + answer2)."""
    blocks = {
        "flag": _block("event_whenflagclicked", None, "ask1", top=True),
        "ask1": _block("sensing_askandwait", "flag", "set", {"QUESTION": [1, [10, ""]]}),
        "set": _block("data_setvariableto", "ask1", "ask2", {"VALUE": [3, "ans1", [10, ""]]},
                      {"VARIABLE": ["a", "var-a"]}),
        "ans1": _block("sensing_answer", "set"),
        "ask2": _block("sensing_askandwait", "set", "say", {"QUESTION": [1, [10, "b?"]]}),
        "say": _block("looks_say", "ask2", None, {"MESSAGE": [3, "add", [10, ""]]}),
        "add": _block("operator_add", "say", None, {"NUM1": [3, [12, "a", "var-a"], [4, ""]],
                                                    "NUM2": [3, "ans2", [4, ""]]}),
        "ans2": _block("sensing_answer", "add"),
    }
    return sb3(blocks, {"var-a": ["a", 0]})


def scratch_echo_three() -> bytes:
    """Three times: ask, say answer (an empty line past the end of the input)."""
    blocks = {
        "flag": _block("event_whenflagclicked", None, "rep", top=True),
        "rep": _block("control_repeat", "flag", None, {"TIMES": [1, [6, "3"]], "SUBSTACK": [2, "ask"]}),
        "ask": _block("sensing_askandwait", "rep", "say", {"QUESTION": [1, [10, "?"]]}),
        "say": _block("looks_say", "ask", None, {"MESSAGE": [3, "ans", [10, ""]]}),
        "ans": _block("sensing_answer", "say"),
    }
    return sb3(blocks)


def scratch_forever() -> bytes:
    blocks = {
        "flag": _block("event_whenflagclicked", None, "loop", top=True),
        "loop": _block("control_forever", "flag", None, {}),
    }
    return sb3(blocks)


AB = {
    "cpp17": b'#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
    "c": b'#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);'
         b'printf("%lld\\n",a+b);return 0;}\n',
    "python3": b"a, b = map(int, input().split())\nprint(a + b)\n",
    "pascal": b"var a, b: int64;\nbegin\n  readln(a, b);\n  writeln(a + b);\nend.\n",
}
BROKEN = {
    "cpp17": (b"int main() { return undeclared_name; }\n", "undeclared_name"),
    "c": (b"int main(void) { return undeclared_name; }\n", "undeclared_name"),
    "pascal": (b"begin\n  x := ;\nend.\n", "Error"),
    "python3": (b"def f(:\n    pass\n", "SyntaxError"),
}


def test_registry_keys_and_lookup():
    assert set(LANGUAGES) == {"cpp17", "c", "python3", "pascal", "scratch3"}
    lang = get_language("cpp17")
    assert lang.name == "cpp17" and lang.label and ".cpp" in lang.extensions
    with pytest.raises(LookupError):
        get_language("cobol")
    assert language_for_filename("a.py").name == "python3"
    assert language_for_filename("A.CPP").name == "cpp17"
    assert language_for_filename("x.pas").name == "pascal"
    assert language_for_filename("game.sb3").name == "scratch3"
    assert language_for_filename("a.c").name == "c"
    assert language_for_filename("a.rb") is None


@pytest.mark.parametrize("name", ["cpp17", "c", "python3", "pascal"])
def test_missing_compiler_is_unavailable(name, monkeypatch):
    lang = get_language(name)
    monkeypatch.setattr(lang, "binary", "/nonexistent/compiler")
    assert lang.available() is False
    with pytest.raises(LanguageUnavailable):
        lang.compile(None, b"")


def test_scratch_unavailable_without_node(monkeypatch):
    lang = get_language("scratch3")
    monkeypatch.setattr(lang, "binary", "/nonexistent/node")
    assert lang.available() is False


@needs_box
@pytest.mark.sandbox
@pytest.mark.parametrize("name", list(AB))
def test_ab_is_accepted(name, tmp_path):
    lang = get_language(name)
    if not lang.available():
        pytest.skip(f"{name}: {lang.binary} is not installed")
    os.chmod(tmp_path, 0o755)
    (tmp_path / "1.in").write_text("3 4\n")
    with open_sandbox([(str(tmp_path), "/problem")]) as box:
        co = lang.compile(box, AB[name])
        assert isinstance(co, CompileOutcome) and co.ok, co.output
        assert co.run_argv and co.keep
        for a, b in [(3, 4), (-5, 10**12)]:
            box.wipe(keep=co.keep)
            (box.workdir / "in.txt").write_text(f"{a} {b}\n")
            out = box.run(co.run_argv, stdin="/box/in.txt", stdout="/box/out.txt", limits=LIMITS)
            assert out.status == "OK", out
            assert (box.workdir / "out.txt").read_text().strip() == str(a + b)
        box.wipe(keep=co.keep)
        assert sorted(p.name for p in box.workdir.iterdir()) == sorted(co.keep)
        out = box.run(co.run_argv, stdin="/problem/1.in", stdout="/box/out.txt", limits=LIMITS)
        assert out.status == "OK" and (box.workdir / "out.txt").read_text().strip() == "7"


@needs_box
@pytest.mark.sandbox
@pytest.mark.parametrize("name", list(BROKEN))
def test_compile_error_is_readable(name):
    lang = get_language(name)
    if not lang.available():
        pytest.skip(f"{name}: {lang.binary} is not installed")
    source, expected = BROKEN[name]
    with open_sandbox() as box:
        co = lang.compile(box, source)
    assert co.ok is False
    assert expected in co.output
    assert "/box/" not in co.output and len(co.output) <= 5000
    assert co.run_argv == [] and co.keep == ()


@needs_box
@pytest.mark.sandbox
def test_huge_compiler_output_is_truncated():
    lang = get_language("cpp17")
    calls = "".join(f"  undeclared_{i}();\n" for i in range(300))
    source = ("int main() {\n" + calls + "}\n").encode()
    with open_sandbox() as box:
        co = lang.compile(box, source)
    assert not co.ok and "characters cut" in co.output and len(co.output) < 5000


@needs_box
@pytest.mark.sandbox
def test_python_runtime_error_is_not_a_compile_error():
    lang = get_language("python3")
    with open_sandbox() as box:
        co = lang.compile(box, b"print(1 // 0)\n")
        assert co.ok
        box.wipe(keep=co.keep)
        out = box.run(co.run_argv, stdout="/box/o", stderr="/box/e", limits=LIMITS)
    assert out.status == "RE" and out.exit_code == 1


@pytest.fixture(scope="module")
def scratch():
    lang = get_language("scratch3")
    if not lang.available():
        pytest.skip("Scratch 3: node or npm is not installed")
    try:
        lang.prepare()   # vendors scratch-vm with npm on first use
    except LanguageUnavailable as exc:
        pytest.skip(f"Scratch 3 could not be installed: {exc}")
    return lang


@needs_box
@pytest.mark.sandbox
def test_scratch_ab_is_accepted(scratch):
    with open_sandbox() as box:
        co = scratch.compile(box, scratch_ab())
        assert co.ok, co.output
        box.wipe(keep=co.keep)
        (box.workdir / "in.txt").write_text("3\n4\n")
        out = box.run(co.run_argv, stdin="/box/in.txt", stdout="/box/out.txt", limits=LIMITS)
        assert out.status == "OK", out
        assert (box.workdir / "out.txt").read_text() == "7\n"


@needs_box
@pytest.mark.sandbox
def test_scratch_broken_project_is_compile_error(scratch):
    with open_sandbox() as box:
        co = scratch.compile(box, b"this is not a zip file")
    assert not co.ok and "Scratch" in co.output


@needs_box
@pytest.mark.sandbox
def test_compiling_again_in_the_same_box_replaces_the_program():
    lang = get_language("c")
    with open_sandbox() as box:
        for value in (1, 2):
            co = lang.compile(box, f"int main(void){{ return {value}; }}\n".encode())
            assert co.ok, co.output
            box.wipe(keep=co.keep)
            out = box.run(co.run_argv, limits=LIMITS)
            assert out.exit_code == value


@needs_box
@pytest.mark.sandbox
def test_scratch_reads_lines_and_times_out(scratch):
    with open_sandbox() as box:
        co = scratch.compile(box, scratch_echo_three())
        assert co.ok, co.output
        box.wipe(keep=co.keep)
        (box.workdir / "in.txt").write_text("hello world\n42\n")
        out = box.run(co.run_argv, stdin="/box/in.txt", stdout="/box/out.txt", limits=LIMITS)
        assert out.status == "OK", out
        assert (box.workdir / "out.txt").read_text() == "hello world\n42\n\n"
        co = scratch.compile(box, scratch_forever())
        assert co.ok, co.output
        box.wipe(keep=co.keep)
        out = box.run(co.run_argv, limits=LIMITS)
        assert out.status == "TLE", out
