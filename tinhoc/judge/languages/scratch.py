"""Scratch 3: an .sb3 project run headless by @scratch/scratch-vm under node.

"ask and wait" reads one line of stdin (the empty string past the end), "say" writes one line of
stdout. The VM is vendored on first use with npm into the judge's cache (runtime dir, bound
read-only at /opt/tinhoc in every sandbox), under a lock so parallel workers install it once.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from ..sandbox import cache_dir, runtime_dir
from ..sandbox.box import RUNTIME_INSIDE, file_lock
from .base import Language, LanguageUnavailable

# package.json + package-lock.json pin the VM and its whole tree (npm ci). The VM's node bundle
# requires "entities/decode", which its own tree lacks: entities@6 is pinned at the top level.
NPM_DIR = Path(__file__).with_name("scratch_npm")
VM_VERSION = "15.1.1"
RUNNER_SOURCE = Path(__file__).with_name("scratch_runner.js")
NODE = "/usr/bin/node"
NPM = shutil.which("npm") or "/usr/bin/npm"
INSTALL_TIMEOUT = 600


def _runner_hash() -> str:
    h = hashlib.sha256(RUNNER_SOURCE.read_bytes())
    h.update((NPM_DIR / "package-lock.json").read_bytes())
    return h.hexdigest()[:12]


def install_name() -> str:
    """One folder per runner + lock file version: an upgrade never pulls the VM from under a
    sandbox that is still running the previous one."""
    return f"scratch-{VM_VERSION}-{_runner_hash()}"


def install_dir() -> Path:
    return runtime_dir() / install_name()


def _marker() -> Path:
    return install_dir() / ".ready"


def installed() -> bool:
    return _marker().exists()


def install() -> None:
    """Vendor the VM (npm ci of the pinned lock file) and the runner into the runtime dir;
    idempotent, under a lock; a new runner or lock file reinstalls."""
    if installed():
        return
    with file_lock(cache_dir() / "scratch.lock"):
        if installed():
            return
        root = install_dir()
        if root.exists():
            shutil.rmtree(root)   # a broken install of this very version
        root.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(NPM_DIR / name, root / name)
        env = {**os.environ, "npm_config_update_notifier": "false"}
        _npm(["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev", "--prefix", str(root)],
             env)
        vm_dir = root / "node_modules" / "@scratch" / "scratch-vm"
        # The bundled jsdom reads its stylesheet relative to the bundle.
        css = vm_dir / "browser" / "default-stylesheet.css"
        if not css.exists():
            src = root / "node_modules" / "jsdom" / "lib" / "jsdom" / "browser" / "default-stylesheet.css"
            css.parent.mkdir(exist_ok=True)
            if src.exists():
                shutil.copy(src, css)
            else:
                css.write_text("")
        shutil.copy(RUNNER_SOURCE, root / "runner.js")
        _marker().touch()


def _npm(args, env):
    try:
        r = subprocess.run([NPM, *args], capture_output=True, text=True, env=env,
                           timeout=INSTALL_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LanguageUnavailable(f"Scratch 3: npm failed: {exc}") from exc
    if r.returncode != 0:
        raise LanguageUnavailable(f"Scratch 3: npm {' '.join(args[:1])} failed: {r.stderr[-1000:]}")


class Scratch3(Language):
    name = "scratch3"
    label = "Scratch 3"
    extensions = (".sb3",)
    source_name = "prog.sb3"
    binary = NODE
    memory_overhead_mib = 192   # node + the VM bundle before the project does anything
    extra_processes = 32        # node's own threads (V8 platform, libuv pool)
    address_space = False       # V8 reserves far more address space than it uses
    time_overhead = 1.0         # loading the VM bundle takes ~0.7 s of CPU before the project starts
    auto_install = os.environ.get("TINHOC_JUDGE_SCRATCH_INSTALL", "1") not in ("0", "no", "off")

    def available(self) -> bool:
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            return False
        return installed() or (self.auto_install and os.path.exists(NPM))

    def prepare(self) -> None:
        if not installed():
            if not self.auto_install:
                raise LanguageUnavailable("Scratch 3: the VM is not installed")
            install()

    def runner(self) -> str:
        return f"{RUNTIME_INSIDE}/{install_name()}/runner.js"

    def compile_argv(self):
        # Loading the project is the compile step: a broken .sb3 is CE, not RE on every test.
        return [self.binary, self.runner(), "--check", self.source_name]

    def run_argv(self):
        return [self.binary, self.runner(), "/box/" + self.source_name]

