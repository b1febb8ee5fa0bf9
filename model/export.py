"""Writing results to disk atomically: a file appears whole or not at all."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


def check_writable(path: str | Path) -> Path:
    """Fail early (OSError with a clear message) if ``path`` cannot be written."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OSError(f"{path}: folder {folder} does not exist")
    if path.is_dir():
        raise OSError(f"{path}: is a folder, expected a file name")
    if not os.access(folder, os.W_OK):
        raise OSError(f"{path}: folder {folder} is not writable")
    return path


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    On any error or interruption (Ctrl-C included) the temporary file is removed and
    ``path`` is left as it was. A symbolic link stays a link (the file it points to is
    replaced), and a file that exists keeps its permissions.
    """
    requested = Path(path)
    path = check_writable(requested.resolve() if requested.is_symlink() else requested)
    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(f"{path}: cannot write ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        if mode is None:  # mkstemp creates the file private (0600): the usual permissions
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        # Name the file the user asked for, not the temporary one.
        raise OSError(f"{requested}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV (no index) to ``path`` atomically."""
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_data_file(
    path: Path,
    parse: Callable[[str], Any],
    error: type[Exception],
    *,
    missing: str,
    unreadable: str,
    invalid: str | None = None,
) -> Any:
    """Read a UTF-8 file and parse it, turning what a user can get wrong into one line.

    A missing file raises ``error(missing)``; a file that cannot be read
    ``error(f"{unreadable} (reason)")``; one that ``parse`` rejects (TOML and JSON decode
    errors are ValueErrors) ``error(f"{invalid} (reason)")``, or the unreadable text.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(missing) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{unreadable} ({_reason(exc)})") from None
    try:
        return parse(text)
    except ValueError as exc:
        raise error(f"{invalid or unreadable} ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())
