"""The sweep runner: reproducibility across workers and backends, streaming files,
resume after interruption, failing runs, refusal to mix specs or code."""

from __future__ import annotations

import csv
import json
import threading

import pandas as pd
import pytest
from sweep_helpers import (
    FAIL_AT,
    Interrupt,
    exact_lines,
    failing_simulate,
    small_spec,
    table,
)

from batch_runs.design.seeds import run_seed
from batch_runs.design.spec import SweepSpec
from batch_runs.execution import (
    SweepError,
    iter_steps,
    read_manifest,
    read_runs,
    run_sweep,
    runner,
    simulate,
)
from batch_runs.execution.executors import start_method
from batch_runs.execution.lock import LOCK_FILES
from model import load_scenario
from model.parameters import SCHEMA


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small sweep run in this process (one worker): the reference output."""
    out = tmp_path_factory.mktemp("reference")
    summary = run_sweep(small_spec(), out, workers=1)
    assert (summary.ok, summary.failed, summary.total, summary.status) == (18, 0, 18, "complete")
    return out


def test_runs_file_has_one_row_per_run_with_seed_parameters_and_final_outcomes(reference):
    runs = read_runs(reference)
    spec = small_spec()
    assert runs["run_id"].tolist() == list(range(18))
    assert runs["status"].eq("ok").all() and runs["error"].eq("").all()
    for _, row in runs.iterrows():
        point, replicate = divmod(int(row.run_id), 3)
        assert (row.point, row.replicate) == (point, replicate)
        assert row.seed == run_seed(11, int(row.run_id))
        for name, value in spec.point(point).items():
            assert row[name] == value
    assert set(SCHEMA) <= set(runs.columns)
    # a run's row and its months agree with the model run directly
    direct = simulate(None, spec.point(4), run_seed(11, 13), 6)
    row = runs.loc[13]
    assert row["final_economic_health"] == direct["economic_health"].iloc[-1]
    assert row["final_president_faction"] == direct["president_faction"].iloc[-1]
    steps = pd.concat(iter_steps(reference))
    mine = steps[steps["run_id"] == 13].drop(columns="run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, direct, check_dtype=False)
    assert len(steps) == 18 * 7


def test_manifest_records_enough_to_reproduce(reference):
    manifest = read_manifest(reference)
    assert manifest["master_seed"] == 11
    assert manifest["spec"]["vary"]["western_policy"] == {"levels": ["engage", "refuse"]}
    assert manifest["spec_digest"] == small_spec().digest()
    assert manifest["code_version"] == runner.code_version()
    assert manifest["counts"] == {"total": 18, "ok": 18, "failed": 0, "missing": 0}
    assert manifest["status"] == "complete"
    assert {"numpy", "mesa", "pandas", "python"} <= set(manifest["packages"])
    session = manifest["sessions"][0]
    assert session["ran"] == 18 and session["started"] <= session["finished"]


@pytest.mark.parametrize("chunk_size", [2, None], ids=["2 runs per task", "timed tasks"])
def test_results_are_identical_on_two_worker_processes(reference, tmp_path, chunk_size):
    summary = run_sweep(small_spec(), tmp_path, workers=2, chunk_size=chunk_size)
    assert summary.ok == 18
    for name in ("runs.csv", "steps.csv", "journal.csv"):  # the same rows, in any order
        assert sorted(exact_lines(tmp_path / name)) == sorted(exact_lines(reference / name))


@pytest.mark.slow
def test_with_threads_running_workers_start_from_a_fork_server_with_the_same_rows(
    reference, tmp_path
):
    """The dashboard's case: a process with threads must not fork its workers."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert start_method() == "forkserver"
        summary = run_sweep(small_spec(), tmp_path, workers=2)
    finally:
        stop.set()
        thread.join()
    assert summary.ok == 18
    for name in ("runs.csv", "steps.csv", "journal.csv"):
        assert sorted(exact_lines(tmp_path / name)) == sorted(exact_lines(reference / name))


@pytest.mark.parametrize("chunk_size", [4, 7, 18])
def test_batch_size_changes_no_byte_of_the_files(reference, tmp_path, chunk_size):
    """In one process runs finish in run order: every file is the reference's, byte for
    byte (but for the run times), however the runs are grouped into tasks."""
    seen = []
    summary = run_sweep(
        small_spec(), tmp_path, workers=1, chunk_size=chunk_size, progress=seen.append
    )
    assert summary.ok == 18 and [p.done for p in seen] == list(range(1, 19))
    for name in ("runs.csv", "steps.csv", "journal.csv"):
        assert exact_lines(tmp_path / name) == exact_lines(reference / name), name


@pytest.mark.slow
def test_results_are_identical_on_a_local_dask_cluster(reference, tmp_path):
    pytest.importorskip("distributed")
    summary = run_sweep(small_spec(), tmp_path, workers=2, backend="dask")
    assert summary.ok == 18
    assert read_manifest(tmp_path)["sessions"][0]["backend"] == "dask"
    for name in ("runs.csv", "steps.csv"):
        assert table(tmp_path / name) == table(reference / name)


def test_a_failing_run_is_recorded_and_the_others_are_intact(reference, tmp_path):
    summary = run_sweep(small_spec(), tmp_path, workers=2, simulate=failing_simulate)
    assert (summary.ok, summary.failed, summary.missing) == (12, 6, 0)
    runs = read_runs(tmp_path)
    failed = runs[runs["status"] == "failed"]
    assert (failed["leakage_rate"] == FAIL_AT).all() and len(failed) == 6
    assert failed["error"].eq(f"ValueError: injected failure at leakage_rate={FAIL_AT}").all()
    assert failed["final_economic_health"].isna().all()
    good = set(runs.loc[runs["status"] == "ok", "run_id"])
    ref_rows = [r for r in table(reference / "runs.csv")[1:] if int(r[0]) in good]
    assert table(tmp_path / "runs.csv")[1:] == sorted(ref_rows + _failed_rows(tmp_path))
    steps = pd.concat(iter_steps(tmp_path))
    assert set(steps["run_id"]) == good
    assert read_manifest(tmp_path)["counts"]["failed"] == 6


def _failed_rows(out):
    return [r for r in table(out / "runs.csv")[1:] if "failed" in r]


def test_resume_after_an_interruption_runs_exactly_the_missing_runs(reference, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run_sweep(small_spec(), tmp_path, workers=1, simulate=Interrupt(after=7))
    manifest = read_manifest(tmp_path)
    assert manifest["status"] == "interrupted" and manifest["counts"]["ok"] == 7
    assert len(table(tmp_path / "runs.csv")) == 1 + 7
    seen = []
    summary = run_sweep(
        small_spec(), tmp_path, workers=2, resume=True, progress=lambda p: seen.append(p.done)
    )
    assert (summary.skipped, summary.ran, summary.ok) == (7, 11, 18)
    assert sorted(seen) == list(range(8, 19))
    for name in ("runs.csv", "steps.csv"):
        assert table(tmp_path / name) == table(reference / name)
    sessions = read_manifest(tmp_path)["sessions"]
    assert [s["ran"] for s in sessions] == [7, 11]


def test_resume_discards_partial_rows_left_by_a_killed_process(reference, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run_sweep(small_spec(), tmp_path, workers=1, simulate=Interrupt(after=5))
    # a kill in the middle of run 5: some of its months written, its runs row cut short
    ref_steps = (reference / "steps.csv").read_text().splitlines(keepends=True)
    orphan = [line for line in ref_steps if line.startswith("5,")]
    with open(tmp_path / "steps.csv", "a") as handle:
        handle.write("".join(orphan[:4]) + orphan[4][:17])
    ref_runs = (reference / "runs.csv").read_text().splitlines(keepends=True)
    with open(tmp_path / "runs.csv", "a") as handle:
        handle.write(ref_runs[6][:40])
    summary = run_sweep(small_spec(), tmp_path, workers=1, resume=True)
    assert (summary.skipped, summary.ran) == (5, 13)
    for name in ("runs.csv", "steps.csv"):
        assert table(tmp_path / name) == table(reference / name)


def test_resume_of_a_finished_sweep_runs_nothing(reference, tmp_path):
    run_sweep(small_spec(), tmp_path, workers=1)
    before = (tmp_path / "runs.csv").read_bytes()
    summary = run_sweep(small_spec(), tmp_path, workers=1, resume=True)
    assert (summary.ran, summary.skipped, summary.status) == (0, 18, "complete")
    assert (tmp_path / "runs.csv").read_bytes() == before


def test_resume_refuses_another_spec_or_code_version(tmp_path, monkeypatch):
    with pytest.raises(KeyboardInterrupt):
        run_sweep(small_spec(), tmp_path, workers=1, simulate=Interrupt(after=2))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(SweepError, match=r"spec differs .*replicates: 3 then, 4 now"):
        run_sweep(small_spec(replicates=4), tmp_path, workers=1, resume=True)
    with pytest.raises(SweepError, match="already holds a sweep"):
        run_sweep(small_spec(), tmp_path, workers=1)
    monkeypatch.setattr(runner, "code_version", lambda: "0" * 64)
    with pytest.raises(SweepError, match="model code differs"):
        run_sweep(small_spec(), tmp_path, workers=1, resume=True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_resume_refuses_a_changed_scenario_file(tmp_path):
    scenario = tmp_path / "mine.toml"
    scenario.write_text('base = "baseline_2011"\nname = "mine"\n')
    spec = small_spec(scenario=str(scenario))
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path / "out", workers=1, simulate=Interrupt(after=2))
    scenario.write_text('base = "baseline_2011"\nname = "mine"\n[parameters]\nrepression = 0.9\n')
    with pytest.raises(SweepError, match="scenario's content differs"):
        run_sweep(spec, tmp_path / "out", workers=1, resume=True)


def test_every_k_keeps_every_kth_month_and_the_last(tmp_path):
    run_sweep(small_spec(every=4, replicates=1), tmp_path, workers=1)
    steps = pd.concat(iter_steps(tmp_path))
    assert sorted(set(steps["step"])) == [0, 4, 6]
    assert len(steps) == 6 * 3


class MeanLegitimacy:
    """A run summary (picklable): the run's mean regime legitimacy."""

    name = "mean_legitimacy"
    columns = ("mean_legitimacy",)

    def __call__(self, results, scenario):
        return [results["regime_legitimacy"].mean()]


@pytest.mark.parametrize("every", [1, 4])
def test_the_models_columns_and_its_results_frame_give_the_same_bytes(tmp_path, every):
    """By default a sweep writes rows from the model's columns; a simulate that returns
    the results frame takes another path to the same files."""
    spec = small_spec(every=every, replicates=2)
    summary = MeanLegitimacy()
    run_sweep(spec, tmp_path / "columns", workers=1, summary=summary)
    run_sweep(spec, tmp_path / "frame", workers=1, summary=summary, simulate=simulate)
    for name in ("runs.csv", "steps.csv"):
        columns = exact_lines(tmp_path / "columns" / name)
        assert columns == exact_lines(tmp_path / "frame" / name), name
    runs = read_runs(tmp_path / "columns")
    assert (runs["status"] == "ok").all() and runs["mean_legitimacy"].notna().all()


def test_parquet_output_holds_the_same_rows(reference, tmp_path):
    pytest.importorskip("pyarrow")
    run_sweep(small_spec(format="parquet"), tmp_path, workers=1)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in LOCK_FILES) == [
        "manifest.json",
        "runs.parquet",
        "steps.parquet",
    ]
    a, b = read_runs(tmp_path), read_runs(reference)
    pd.testing.assert_frame_equal(
        a.drop(columns="duration_s"), b.drop(columns="duration_s"), check_dtype=False
    )
    steps = pd.concat(iter_steps(tmp_path)).sort_values(["run_id", "step"], ignore_index=True)
    ref = pd.concat(iter_steps(reference)).sort_values(["run_id", "step"], ignore_index=True)
    pd.testing.assert_frame_equal(steps, ref, check_dtype=False)
    assert read_manifest(tmp_path)["files"] == {"runs": "runs.parquet", "steps": "steps.parquet"}


def test_bad_output_folders_are_refused_before_anything_is_written(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SweepError, match="is not a folder"):
        run_sweep(small_spec(), blocker / "out", workers=1)
    with pytest.raises(SweepError, match="exists and is not a folder"):
        run_sweep(small_spec(), blocker, workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_an_invalid_combination_or_scenario_fails_before_writing(tmp_path):
    from model.scenarios import ScenarioError

    with pytest.raises(ScenarioError):
        run_sweep(small_spec(scenario="atlantis"), tmp_path / "a", workers=1)
    with pytest.raises(SweepError, match="backend"):
        run_sweep(small_spec(), tmp_path / "b", workers=1, backend="mpi")
    with pytest.raises(SweepError, match="needs --backend dask"):
        run_sweep(small_spec(), tmp_path / "c", workers=1, scheduler="tcp://x:1")
    assert list(tmp_path.iterdir()) == []


def test_rows_are_whole_lines_with_the_header_columns(reference):
    for name in ("runs.csv", "steps.csv"):
        with open(reference / name, newline="") as handle:
            rows = list(csv.reader(handle))
        assert all(len(r) == len(rows[0]) for r in rows)
    header = rows[0]
    assert header[0] == "run_id" and header[1:] == list(
        simulate(load_scenario(None), {"n_citizens": 200}, 1, 0).columns
    )
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["columns"]["steps"] == header


def test_without_a_folder_the_results_stay_in_memory_and_equal_the_files(tmp_path):
    spec = SweepSpec(
        parameters={"n_citizens": 100},
        vary={"western_policy": ["engage", "refuse"]},
        replicates=2,
        steps=4,
        seed=9,
    )
    on_disk = run_sweep(spec, tmp_path / "out", workers=1)
    in_memory = run_sweep(spec, None, workers=1)
    assert on_disk.runs is None and in_memory.out_dir is None and in_memory.files == ()
    pd.testing.assert_frame_equal(
        in_memory.runs.drop(columns="duration_s"),
        read_runs(tmp_path / "out").drop(columns="duration_s"),
    )
    steps = pd.concat(iter_steps(tmp_path / "out"), ignore_index=True)
    pd.testing.assert_frame_equal(in_memory.steps, steps)
    with pytest.raises(SweepError, match="need an output folder"):
        run_sweep(spec, None, resume=True)
