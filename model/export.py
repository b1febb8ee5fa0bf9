"""Writing results to disk atomically (a file appears whole or not at all), and a run's
CSV that records the set-up that made it, so that the run can be made again."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from model.parameters import ParameterError, get_parameter


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


# --- a run's CSV: the set-up that made it, then the table ----------------------------
#
# Like NetLogo BehaviorSpace's table output, a run's CSV starts with a block of comment
# lines recording what made it (scenario, seed, length, every parameter value, the code),
# then the table of model.results(). ``pandas.read_csv(path, comment="#")`` reads the
# table and skips the block; :func:`read_run_csv` reads both back, so that the run can be
# made again (``iran-sim run --from-csv``, the dashboard's upload).

COMMENT = "#"
READ_HINT = 'pandas.read_csv(path, comment="#")'
_PARAM = "param "


class RunCsvError(ValueError):
    """A run CSV whose header block cannot be read back (one-line message)."""


def parameter_text(value: Any) -> str:
    """A parameter value as text that the schema's ``validate`` reads back to the same
    value: ``true``/``false``, the shortest exact form of a float, an integer, a word."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class RunHeader:
    """What made a run's table: the scenario (its name, and its file when it is not one
    of ``model/scenarios``), the seed, the run's length in months (the horizon), the
    months in the table, every parameter value, and the code that ran it (ODD §3.2:
    the same scenario, parameters and seed give the same run)."""

    scenario: str
    seed: int
    months: int
    steps: int
    parameters: Mapping[str, Any]
    scenario_file: str | None = None
    version: str = ""
    git_commit: str | None = None
    code_version: str | None = None

    @classmethod
    def of_model(cls, model: Any, months: int | None = None, **provenance: Any) -> RunHeader:
        """The header of ``model`` as it stands (``model.steps`` months simulated);
        ``months`` defaults to the model's horizon (``model.months``); ``provenance``:
        ``git_commit`` and ``code_version`` when the caller knows them."""
        from model.scenarios import SCENARIO_DIR  # model.scenarios imports this module

        spec = model.scenario_spec
        shipped = Path(spec.source).parent == SCENARIO_DIR.resolve()
        return cls(
            scenario=spec.name,
            seed=int(model.seed),
            months=int(model.months if months is None else months),
            steps=int(model.steps),
            parameters=dict(model.params),
            scenario_file=None if shipped or not spec.source else spec.source,
            version=package_version(),
            **provenance,
        )

    def lines(self, what: str = "run: one row per month (columns: docs/columns.md)") -> list[str]:
        """The header block, one comment line each, without line ends; ``what`` says
        what the table below it holds."""
        lines = [
            f"{COMMENT} iran-sim {self.version or 'unknown version'} {what}; read with {READ_HINT}",
            f"{COMMENT} scenario: {self.scenario}",
        ]
        if self.scenario_file:
            lines.append(f"{COMMENT} scenario file: {self.scenario_file}")
        lines += [
            f"{COMMENT} seed: {self.seed}",
            f"{COMMENT} months: {self.months}",
            f"{COMMENT} steps: {self.steps}",
        ]
        if self.git_commit:
            lines.append(f"{COMMENT} git commit: {self.git_commit}")
        if self.code_version:
            lines.append(f"{COMMENT} code version: {self.code_version}")
        lines += [
            f"{COMMENT} {_PARAM}{name} = {parameter_text(value)}"
            for name, value in self.parameters.items()
        ]
        return lines


def run_csv_text(header: RunHeader, table: pd.DataFrame) -> str:
    """A run's CSV: the header block, then the table (no index)."""
    return "\n".join(header.lines()) + "\n" + table.to_csv(index=False)


def write_run_csv_atomic(header: RunHeader, table: pd.DataFrame, path: str | Path) -> Path:
    """Write a run's CSV (header block and table) to ``path`` atomically."""
    return write_text_atomic(path, run_csv_text(header, table))


def parse_run_csv(text: str) -> tuple[RunHeader, str]:
    """The header and the table's text of a run's CSV (ValueError saying what is wrong)."""
    lines = text.splitlines(keepends=True)
    count = next((i for i, line in enumerate(lines) if not line.startswith(COMMENT)), len(lines))
    block = [line.rstrip("\r\n")[len(COMMENT) :].strip() for line in lines[:count]]
    if not block or not block[0].startswith("iran-sim "):
        raise ValueError(
            "it has no set-up header: its first line should be '# iran-sim …', as "
            "`iran-sim run` and the dashboard write it"
        )
    fields: dict[str, str] = {}
    parameters: dict[str, Any] = {}
    for number, line in enumerate(block[1:], start=2):
        if line.startswith(_PARAM):
            name, equals, value = line[len(_PARAM) :].partition(" = ")
            if not equals:
                raise ValueError(f"line {number}: expected '# param NAME = VALUE'")
            try:
                parameters[name.strip()] = get_parameter(name.strip()).validate(value)
            except ParameterError as exc:
                raise ValueError(f"line {number}: {exc}") from None
        else:
            key, colon, value = line.partition(":")
            if colon:  # other lines are notes; keys this version does not know are kept out
                fields[key.strip()] = value.strip()
    return _header_from(fields, parameters, block[0]), "".join(lines[count:])


def _header_from(fields: dict[str, str], parameters: dict[str, Any], first: str) -> RunHeader:
    for key in ("scenario", "seed", "steps"):
        if not fields.get(key):
            raise ValueError(f"its header has no '# {key}: …' line")

    def whole(key: str) -> int:
        text = fields[key]
        if not text.isdigit():
            raise ValueError(f"'# {key}: {text}' is not a whole number >= 0")
        return int(text)

    steps = whole("steps")
    return RunHeader(
        scenario=fields["scenario"],
        seed=whole("seed"),
        months=whole("months") if "months" in fields else steps,
        steps=steps,
        parameters=parameters,
        scenario_file=fields.get("scenario file"),
        version=first.split()[1] if len(first.split()) > 1 else "",
        git_commit=fields.get("git commit"),
        code_version=fields.get("code version"),
    )


def read_run_csv(path: str | Path) -> tuple[RunHeader, str]:
    """The header and the table's text of the run CSV at ``path`` (RunCsvError, one
    line naming the file, if it is missing, unreadable or has no valid header)."""
    path = Path(path)
    return read_data_file(
        path,
        parse_run_csv,
        RunCsvError,
        missing=f"{path}: file not found",
        unreadable=f"{path}: cannot read file",
        invalid=f"{path}: not a run CSV of iran-sim",
    )


def package_version() -> str:
    """The installed iran-sim's version ("" when it is not installed)."""
    try:
        return metadata.version("iran-sim")
    except metadata.PackageNotFoundError:
        return ""
