"""The judge's sandbox: bubblewrap + a fork-server helper, cgroups where writable, else rlimits.

    with open_sandbox(ro_binds=[(host_path, inside_path)]) as box:
        out = box.run(argv, stdin="/problem/1.in", stdout="/box/out.txt", limits=RunLimits(...))
        box.wipe(keep=("prog",))
"""
from .box import Sandbox, open_sandbox
from .host import bwrap_available, cache_dir, runtime_dir, sandbox_mode
from .limits import RunLimits, RunOutcome, RunProfile, SandboxError

__all__ = ["RunLimits", "RunOutcome", "RunProfile", "Sandbox", "SandboxError", "bwrap_available",
           "cache_dir", "open_sandbox", "runtime_dir", "sandbox_mode"]
