"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The data goes to a temporary file in the same directory, which is then renamed over
the target with ``os.replace`` (atomic on POSIX and Windows within one file system).
If anything fails, or the run is interrupted, the temporary file is removed and the
target is untouched. The file name ``-`` means standard output, as for most Unix tools
(:func:`write_output`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]

#: The file name that means standard output.
STDOUT = "-"


def write_bytes(path: PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically (the file gets mode 0644, or keeps its own)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_text(path: PathLike, text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `path` atomically."""
    write_bytes(path, text.encode(encoding))


def write_output(target: PathLike, data: bytes) -> None:
    """Write `data` to the file `target` atomically, or to standard output for ``-``."""
    if target == STDOUT:
        sys.stdout.flush()                  # after anything already printed
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_bytes(target, data)
