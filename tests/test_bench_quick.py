"""Every benchmark runs in its --quick mode, so none can rot; each prints a ratio against its floor."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHES = sorted(p.name for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("script", BENCHES)
def test_benchmark_quick_mode(script):
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "DATABASE_URL")}
    result = subprocess.run([sys.executable, f"bench/{script}", "--quick"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    print(result.stdout)
    assert re.search(r"\d+(\.\d+)?x", result.stdout), f"{script} printed no ratio:\n{result.stdout}"
