"""The judge's sandbox: bubblewrap + a fork-server helper, cgroups where writable, else rlimits.

    with open_sandbox(ro_binds=[(host_path, inside_path)]) as box:
        out = box.run(argv, stdin="/problem/1.in", stdout="/box/out.txt", limits=RunLimits(...))
        box.wipe(keep=("prog",))
"""
from .box import (RunLimits, RunOutcome, RunProfile, Sandbox, SandboxError, bwrap_available,
                  cache_dir, open_sandbox, runtime_dir, sandbox_mode)

__all__ = ["RunLimits", "RunOutcome", "RunProfile", "Sandbox", "SandboxError", "bwrap_available",
           "cache_dir", "open_sandbox", "runtime_dir", "sandbox_mode"]
