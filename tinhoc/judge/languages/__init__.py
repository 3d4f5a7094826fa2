"""Programming languages of the judge: how to compile a source inside a sandbox and how to run it.

    lang = get_language("cpp17")
    co = lang.compile(box, source_bytes)          # runs the compiler inside the box
    if co.ok:
        box.wipe(keep=co.keep)
        box.run(co.run_argv, stdin=..., stdout=..., limits=...)

Compilation runs inside the submission's sandbox with its own limits (`COMPILE_LIMITS`) so
that a compile bomb (`#include </dev/random>`, template explosions) ends as CE within them.

Per-language run needs (documented here because the grader only sees RunLimits):
- cpp17, c, pascal: static binaries; no extra memory or processes; time factor 1.
- python3: /usr/bin/python3 with no extra flags (as bare in bench/judge_overhead.py); its
  interpreter baseline (~10 MiB) counts against the memory limit; time factor 1.
- scratch3: node + scratch-vm; the VM's baseline memory (`memory_overhead_mib`, 192 MiB), node's
  own threads (`extra_processes`) and the VM's load time (`time_overhead`, 1 s added to the CPU
  and wall limits) are added by the sandbox through a RunProfile registered at compile time
  (keyed by argv[0]), so the contestant's limits mean about the same as in other languages.
  Reported times and memory include the VM's own.
"""
from __future__ import annotations

from .base import COMPILE_LIMITS, CompileOutcome, Language, LanguageUnavailable
from .registry import LANGUAGES, get_language, language_for_filename

__all__ = ["COMPILE_LIMITS", "CompileOutcome", "Language", "LanguageUnavailable", "LANGUAGES",
           "get_language", "language_for_filename"]
