"""Every touch of a file that sandboxed code could have created or replaced, in one place.

Why: the judge runs on the host (as root, or as a service user) and a work dir bound at /box is,
from the host, an ordinary folder. Whatever runs inside (the contestant's program, and package
code: checkers, output validators, build scripts) may leave there a symlink pointing into the
host, a FIFO, a directory where a file was expected, millions of files or a directory chain
thousands deep. So the judge never opens, writes, moves, chmods or deletes an entry of a work
dir by path:
- a folder is opened once (O_DIRECTORY | O_NOFOLLOW) and every entry is reached from that file
  descriptor (dir_fd), one level at a time, never through a symlink;
- a file is opened with O_NOFOLLOW | O_NONBLOCK (a FIFO cannot hang the judge), checked with
  fstat to be a regular file within a size limit, and copied into a judge-owned file outside the
  box, which is what checkers then read;
- clearing a folder is iterative (no recursion depth), follows no link, and changes permissions
  only through file descriptors.

Audit rule: outside this module, judge code passes box paths to the sandbox (as strings inside
the box) and host paths it owns; it never joins a name onto `box.workdir` to open it.
"""
from __future__ import annotations

import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
COPY_CHUNK = 1 << 20

class BoxFileError(Exception):
    """What sandboxed code left cannot be taken (too deep, too many files, too large)."""

@dataclass
class Taken:
    """What `take_file` found: `status` is "ok", "missing", "not-regular" or "too-large"."""
    status: str
    size: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

def open_dir(path: str | os.PathLike, dir_fd: int | None = None) -> int:
    """Open a folder without following a symlink at its last component; the caller closes it."""
    return os.open(path, _DIR_FLAGS, dir_fd=dir_fd)

def _open_regular(dir_path, name: str) -> tuple[int | None, str, int]:
    """(fd, status, size) of `name` directly in `dir_path` when it is a regular file."""
    try:
        dfd = open_dir(dir_path)
    except OSError:
        return None, "missing", 0
    try:
        return _open_regular_at(dfd, name)
    finally:
        os.close(dfd)

def _open_regular_at(dfd: int, name: str) -> tuple[int | None, str, int]:
    if not name or "/" in name or name in (".", ".."):
        return None, "missing", 0
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dfd)
    except FileNotFoundError:
        return None, "missing", 0
    except OSError:
        # ELOOP: a symlink; ENXIO, EACCES, ...: anything but a readable regular file
        return None, "not-regular", 0
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None, "not-regular", 0
    return fd, "ok", st.st_size

def _read_fd(fd: int, limit: int) -> bytes:
    try:
        chunks, left = [], limit
        while left > 0:
            b = os.read(fd, min(left, COPY_CHUNK))
            if not b:
                break
            chunks.append(b)
            left -= len(b)
        return b"".join(chunks)
    finally:
        os.close(fd)

def take_file(dir_path, name: str, dest: Path, limit: int) -> Taken:
    """Copy the regular file `name` of the (box) folder `dir_path` into the judge-owned `dest`.

    At most `limit` bytes are copied; a larger file is "too-large" (dest then holds its first
    `limit` bytes). A symlink, FIFO, device, directory or missing entry leaves `dest` empty.
    """
    fd, status, size = _open_regular(dir_path, name)
    out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        if fd is None:
            return Taken(status)
        left, copied = limit, 0
        while left > 0:
            n = os.sendfile(out, fd, None, min(left, COPY_CHUNK))
            if n == 0:
                break
            left -= n
            copied += n
        if size > limit or (left == 0 and os.read(fd, 1)):
            return Taken("too-large", max(size, limit + 1))
        return Taken("ok", copied)
    finally:
        os.close(out)
        if fd is not None:
            os.close(fd)

def file_size(dir_path, name: str) -> int:
    """Size of the regular file `name` of `dir_path`, 0 for anything else."""
    fd, _, size = _open_regular(dir_path, name)
    if fd is not None:
        os.close(fd)
    return size

def read_small(dir_path, name: str, limit: int = 8192) -> bytes | None:
    """The first `limit` bytes of the regular file `name` of `dir_path`, or None when it is not one."""
    fd, _, _ = _open_regular(dir_path, name)
    return None if fd is None else _read_fd(fd, limit)

def read_text(dir_path, name: str, limit: int = 8192) -> str:
    data = read_small(dir_path, name, limit)
    return "" if data is None else data.decode("utf-8", "replace")

def put_file(dir_path, name: str, data: bytes | None = None, *, source: Path | None = None,
             mode: int = 0o644) -> None:
    """Create `name` in `dir_path` as a new judge-owned file (whatever stood there is removed
    first, a folder included), from `data` or by copying the judge-owned `source`."""
    dfd = open_dir(dir_path)
    try:
        _remove_entry(dfd, name)
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600, dir_fd=dfd)
        try:
            if source is not None:
                with open(source, "rb") as src:
                    while True:
                        n = os.sendfile(fd, src.fileno(), None, COPY_CHUNK)
                        if n == 0:
                            break
            if data:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
    finally:
        os.close(dfd)

def read_texts(dir_path, sub: str, names, limit: int = 4096) -> dict[str, str]:
    """{name: text} for those of `names` that are regular files in the folder `sub` of `dir_path`
    (a folder sandboxed code could write to, e.g. a validator's feedback folder)."""
    found: dict[str, str] = {}
    try:
        top = open_dir(dir_path)
    except OSError:
        return found
    try:
        sfd = open_dir(sub, dir_fd=top)
    except OSError:
        return found
    finally:
        os.close(top)
    try:
        for name in names:
            fd, _, _ = _open_regular_at(sfd, name)
            if fd is not None:
                found[name] = _read_fd(fd, limit).decode("utf-8", "replace")
    finally:
        os.close(sfd)
    return found

def copy_tree_out(src_dir, dest: Path, *, skip=(), skip_hidden=False, max_depth: int = 32,
                  max_entries: int = 10000, max_bytes: int = 1 << 30) -> list[str]:
    """Copy the regular files and folders under the box folder `src_dir` into the judge-owned
    folder `dest` (files 0755: checkers run them). Links, FIFOs and devices are left out; their
    paths are returned. Top-level names in `skip` (and hidden ones with skip_hidden) are not copied."""
    dropped: list[str] = []
    entries = total = 0
    top = open_dir(src_dir)
    stack = [(top, Path(dest), "")]
    try:
        while stack:
            dfd, out, rel = stack.pop()
            try:
                with os.scandir(dfd) as it:
                    names = sorted(e.name for e in it)
                for name in names:
                    if not rel and (name in skip or (skip_hidden and name.startswith("."))):
                        continue
                    entries += 1
                    if entries > max_entries:
                        raise BoxFileError(f"more than {max_entries} files")
                    st = os.lstat(name, dir_fd=dfd)
                    if stat.S_ISDIR(st.st_mode):
                        if rel.count("/") + 1 >= max_depth:
                            raise BoxFileError(f"folders deeper than {max_depth}")
                        (out / name).mkdir(mode=0o755)
                        stack.append((open_dir(name, dir_fd=dfd), out / name, f"{rel}{name}/"))
                    elif stat.S_ISREG(st.st_mode):
                        total += st.st_size
                        if total > max_bytes:
                            raise BoxFileError(f"more than {max_bytes >> 20} MiB")
                        data_fd = os.open(name, _READ_FLAGS, dir_fd=dfd)
                        try:
                            if not stat.S_ISREG(os.fstat(data_fd).st_mode):
                                dropped.append(rel + name)
                                continue
                            with open(out / name, "xb") as fh:
                                while os.sendfile(fh.fileno(), data_fd, None, COPY_CHUNK):
                                    pass
                            os.chmod(out / name, 0o755)
                        finally:
                            os.close(data_fd)
                    else:
                        dropped.append(rel + name)
            finally:
                os.close(dfd)
    except BaseException:
        for dfd, _, _ in stack:
            os.close(dfd)
        raise
    return dropped

def make_dir(dir_path, name: str, mode: int = 0o755) -> None:
    """Create the folder `name` in `dir_path` (replacing whatever stood there) with `mode`."""
    dfd = open_dir(dir_path)
    try:
        _remove_entry(dfd, name)
        os.mkdir(name, 0o700, dir_fd=dfd)
        sub = open_dir(name, dir_fd=dfd)
        try:
            os.fchmod(sub, mode)
        finally:
            os.close(sub)
    finally:
        os.close(dfd)

def drop_unless_regular(dir_path, name: str) -> None:
    """Remove `name` from `dir_path` when it is anything but a regular file."""
    dfd = open_dir(dir_path)
    try:
        st = os.lstat(name, dir_fd=dfd)
        if not stat.S_ISREG(st.st_mode):
            _remove_entry(dfd, name)
    except FileNotFoundError:
        pass
    finally:
        os.close(dfd)

def _remove_entry(dfd: int, name: str) -> None:
    try:
        st = os.lstat(name, dir_fd=dfd)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        _clear(dfd, (), only=name)
    else:
        os.unlink(name, dir_fd=dfd)

def clear_dir(path, keep=()) -> int:
    """Delete everything in the folder `path` but the top-level names in `keep`; returns how many
    entries were removed. Iterative: a chain of nested folders is moved up to the top level one
    level at a time, so neither depth nor the number of files can exhaust the stack or the fds."""
    dfd = open_dir(path)
    try:
        return _clear(dfd, frozenset(keep))
    finally:
        os.close(dfd)

def remove_tree(path) -> None:
    """Delete the folder `path` and everything in it, never following a link (logs and goes on
    when something cannot be removed)."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    try:
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(path)
            return
        clear_dir(path)
        os.rmdir(path)
    except OSError as exc:
        log.warning("cannot remove %s: %s", path, exc)

def _clear(top: int, keep, only: str | None = None) -> int:
    removed = 0
    pending: list[str] = []
    if only is not None:
        pending.append(only)
    else:
        for entry in os.scandir(top):
            if entry.name in keep:
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.name)
            else:
                removed += _unlink(top, entry.name)
    tag = "." + secrets.token_hex(8) + "-"
    counter = 0
    while pending:
        name = pending.pop()
        try:
            os.rmdir(name, dir_fd=top)
            removed += 1
            continue
        except FileNotFoundError:
            continue
        except OSError:
            pass
        try:
            sub = open_dir(name, dir_fd=top)
        except OSError as exc:
            log.warning("cannot open folder %s while clearing a box: %s", name, exc)
            continue
        try:
            os.fchmod(sub, 0o700)        # the program may have made it unwritable
            with os.scandir(sub) as it:
                entries = [(e.name, e.is_dir(follow_symlinks=False)) for e in it]
            for child, is_dir in entries:
                if is_dir:
                    counter += 1
                    flat = f"{tag}{counter}"
                    os.rename(child, flat, src_dir_fd=sub, dst_dir_fd=top)
                    pending.append(flat)
                else:
                    removed += _unlink(sub, child)
        except OSError as exc:
            log.warning("cannot clear folder %s of a box: %s", name, exc)
        finally:
            os.close(sub)
        try:
            os.rmdir(name, dir_fd=top)
            removed += 1
        except OSError as exc:
            log.warning("cannot remove folder %s of a box: %s", name, exc)
    return removed

def _unlink(dfd: int, name: str) -> int:
    try:
        os.unlink(name, dir_fd=dfd)
        return 1
    except FileNotFoundError:
        return 0
    except OSError as exc:
        log.warning("cannot remove %s from a box: %s", name, exc)
        return 0
