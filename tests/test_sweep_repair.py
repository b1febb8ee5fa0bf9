"""--resume is exact: damaged or missing monthly rows are found and their runs rerun;
damage that cannot be repaired is refused with one line and nothing is changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sweep_helpers import exact_lines, small_spec, table

from batch_runs.execution import SweepError, journal, read_manifest, run_sweep


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    run_sweep(small_spec(), out, workers=1)
    return out


def _copy(clean: Path, tmp_path: Path) -> Path:
    out = tmp_path / "damaged"
    out.mkdir()
    for name in ("runs.csv", "steps.csv", "journal.csv", "manifest.json"):
        (out / name).write_bytes((clean / name).read_bytes())
    return out


def _resume_matches(out: Path, clean: Path, rerun: int) -> None:
    summary = run_sweep(small_spec(), out, workers=1, resume=True)
    assert summary.ran == rerun and summary.ok == summary.total
    for name in ("runs.csv", "steps.csv"):
        assert table(out / name) == table(clean / name)


def _cut_steps(out: Path, keep_bytes: int) -> None:
    data = (out / "steps.csv").read_bytes()
    (out / "steps.csv").write_bytes(data[:keep_bytes])


def test_a_truncated_steps_file_reruns_the_runs_it_lost(clean, tmp_path):
    out = _copy(clean, tmp_path)
    lines = (out / "steps.csv").read_bytes().splitlines(keepends=True)
    kept = b"".join(lines[: len(lines) // 2])
    _cut_steps(out, len(kept) + 25)  # half the file, then a torn line
    lost = {int(line.split(b",")[0]) for line in lines[len(lines) // 2 - 1 :]}
    _resume_matches(out, clean, rerun=len(lost))


def test_garbage_and_nul_bytes_in_the_steps_file_are_repaired(clean, tmp_path):
    out = _copy(clean, tmp_path)
    lines = (out / "steps.csv").read_bytes().splitlines(keepends=True)
    victim = int(lines[10].split(b",")[0])
    lines[10] = lines[10][:8] + b"\0\0\0" + lines[10][11:]  # bytes overwritten in place
    lines.insert(20, b"not,a,row\n")
    (out / "steps.csv").write_bytes(b"".join(lines))
    _resume_matches(out, clean, rerun=1)
    assert victim in {int(row[0]) for row in table(out / "runs.csv")[1:]}


def test_rows_written_twice_are_found(clean, tmp_path):
    out = _copy(clean, tmp_path)
    lines = (out / "steps.csv").read_bytes().splitlines(keepends=True)
    (out / "steps.csv").write_bytes(b"".join([*lines, lines[5]]))
    _resume_matches(out, clean, rerun=1)


def test_a_folder_without_a_journal_is_trusted_and_given_one(clean, tmp_path):
    out = _copy(clean, tmp_path)
    (out / "journal.csv").unlink()
    _resume_matches(out, clean, rerun=0)
    assert (out / "journal.csv").read_text().count("\n") == 1 + small_spec().n_runs


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (lambda out: _replace_line(out / "runs.csv", 3, b"zz,garbage\n"), "line 4 is damaged"),
        (lambda out: _replace_line(out / "runs.csv", 0, b"a,b\n"), "does not have the sweep's"),
        (lambda out: (out / "manifest.json").write_text("{"), "cannot read the manifest"),
    ],
)
def test_damage_that_cannot_be_repaired_is_refused_and_changes_nothing(
    clean, tmp_path, damage, fragment
):
    out = _copy(clean, tmp_path)
    damage(out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    with pytest.raises(SweepError, match=fragment) as info:
        run_sweep(small_spec(), out, workers=1, resume=True)
    assert "\n" not in str(info.value)
    after = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert after == before


def _replace_line(path: Path, index: int, line: bytes) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[index] = line
    path.write_bytes(b"".join(lines))


class _Killed(BaseException):
    """Stands for a SIGKILL: the process stops where it is; nothing catches it."""


def _second_batch_cut(monkeypatch, write: int, keep) -> None:
    """Stop the sweep during the ``write``-th write (1: monthly rows, 2: their journal
    lines, 3: the runs.csv rows) of its second batch, after ``keep(data)`` bytes."""
    real = journal._write_all
    calls = []

    def write_all(fd: int, data: bytes) -> None:
        calls.append(fd)
        if len(calls) == 3 + write:
            real(fd, data[: keep(data)])
            raise _Killed
        real(fd, data)

    monkeypatch.setattr(journal, "_write_all", write_all)


def _after_lines(n: int, extra: int = 0):
    return lambda data: len(b"".join(data.splitlines(keepends=True)[:n])) + extra


@pytest.mark.parametrize(
    ("write", "keep"),
    [
        (1, lambda data: len(data) // 2),  # half the monthly rows, the last one torn
        (2, lambda data: 0),  # all the monthly rows, no journal line
        (2, _after_lines(3, 4)),  # three journal lines and a torn one
        (3, lambda data: 0),  # rows and journal lines, no runs.csv row
        (3, _after_lines(2, 9)),  # two runs.csv rows and a torn one
        (3, lambda data: len(data) - 1),  # every runs.csv row, the last without its end
    ],
    ids=["in steps", "before journal", "in journal", "before runs", "in runs", "last byte"],
)
def test_a_kill_while_a_batch_is_written_loses_only_its_uncommitted_runs(
    clean, tmp_path, monkeypatch, write, keep
):
    """Batches of 6 runs; the second is cut short at each stage of its writes. Its runs
    whose runs.csv row was written whole are kept, the others rerun, and the files end
    as the clean sweep's, in the same order."""
    out = tmp_path / "cut"
    _second_batch_cut(monkeypatch, write, keep)
    with pytest.raises(_Killed):
        run_sweep(small_spec(), out, workers=1, chunk_size=6)
    monkeypatch.undo()
    whole_rows = (out / "runs.csv").read_bytes().count(b"\n") - 1
    assert 6 <= whole_rows < 12
    summary = run_sweep(small_spec(), out, workers=1, resume=True)
    assert (summary.skipped, summary.ran, summary.ok) == (whole_rows, 18 - whole_rows, 18)
    for name in ("runs.csv", "steps.csv"):
        assert exact_lines(out / name) == exact_lines(clean / name), name
    assert sorted(exact_lines(out / "journal.csv")) == sorted(exact_lines(clean / "journal.csv"))


def test_the_manifest_records_each_session(clean):
    assert read_manifest(clean)["status"] == "complete"


def test_a_deleted_manifest_is_named_not_mistaken_for_an_empty_folder(clean, tmp_path, capsys):
    from cli.main import main

    out = _copy(clean, tmp_path)
    (out / "manifest.json").unlink()
    argv = ["sweep", "--vary", "leakage_rate=0.2,0.4", "--steps", "3", "--out", str(out)]
    assert main([*argv, "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "manifest.json is missing but" in err[0]
