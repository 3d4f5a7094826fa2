"""Languages compiled to a static native binary /box/prog: C++17, C, Free Pascal."""
from __future__ import annotations

from .base import Language


class Native(Language):
    def run_argv(self):
        return ["/box/prog"]

    def keep(self):
        return ("prog",)


class Cpp17(Native):
    name = "cpp17"
    label = "C++17 (g++)"
    extensions = (".cpp", ".cc", ".cxx", ".c++")
    source_name = "prog.cpp"
    binary = "/usr/bin/g++"

    def compile_argv(self):
        # Static: no dynamic loading per test (faster start, fewer files needed in the box).
        return [self.binary, "-std=gnu++17", "-O2", "-pipe", "-static", "-DONLINE_JUDGE",
                "-o", "prog", self.source_name, "-lm"]


class C(Native):
    name = "c"
    label = "C11 (gcc)"
    extensions = (".c",)
    source_name = "prog.c"
    binary = "/usr/bin/gcc"

    def compile_argv(self):
        return [self.binary, "-std=gnu11", "-O2", "-pipe", "-static", "-DONLINE_JUDGE",
                "-o", "prog", self.source_name, "-lm"]


class Pascal(Native):
    name = "pascal"
    label = "Pascal (Free Pascal)"
    extensions = (".pas", ".pp", ".dpr")
    source_name = "prog.pas"
    binary = "/usr/bin/fpc"

    def compile_argv(self):
        # -l- no banner, -XS static, -Sg allow goto, -vewn: errors, warnings and notes only.
        return [self.binary, "-l-", "-O2", "-XS", "-Sg", "-vewn", "-dONLINE_JUDGE", "-oprog",
                self.source_name]
