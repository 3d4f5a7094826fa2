"""Python 3: the compile step is a syntax check, so a syntax error is CE, not RE."""
from __future__ import annotations

from .base import Language

# Compiles without writing a .pyc; prints the error like the interpreter would, without a traceback.
_CHECK = (
    "import sys\n"
    "src = open(sys.argv[1], 'rb').read()\n"
    "try:\n"
    "    compile(src, sys.argv[1], 'exec')\n"
    "except (SyntaxError, ValueError) as e:\n"
    "    import traceback\n"
    "    sys.stderr.write(''.join(traceback.format_exception_only(type(e), e)))\n"
    "    sys.exit(1)\n"
)


class Python3(Language):
    name = "python3"
    label = "Python 3"
    extensions = (".py",)
    source_name = "prog.py"
    binary = "/usr/bin/python3"

    def compile_argv(self):
        return [self.binary, "-c", _CHECK, self.source_name]

    def run_argv(self):
        return [self.binary, "/box/" + self.source_name]
