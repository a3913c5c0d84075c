"""`suggestion-server tune` end to end on the bundled example (copied to a temporary directory, with
smaller budgets), resuming from its results file, the failure budget, `suggestion-server suggest`
against a running server, and the Python client example."""
import json
import pathlib
import subprocess
import sys
import time

import pytest

from conftest import BINARY, ROOT

EXAMPLE = ROOT / "examples" / "ridge"


def prepare(tmp_path, max_trials, extra_edits=()):
    text = (EXAMPLE / "experiment.yaml").read_text().replace("maxTrialCount: 24", f"maxTrialCount: {max_trials}")
    for old, new in extra_edits:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "experiment.yaml").write_text(text)
    return tmp_path / "experiment.yaml"


def tune(manifest, results, *extra, timeout=120):
    return subprocess.run([BINARY, "tune", str(manifest), "--results", str(results), "--quiet", *extra],
                          capture_output=True, text=True, timeout=timeout)


def test_tune_runs_the_example_and_resumes(tmp_path):
    manifest = prepare(tmp_path, 8)
    results = tmp_path / "results.json"
    first = tune(manifest, results)
    assert first.returncode == 0, first.stderr
    data = json.loads(results.read_text())
    assert data["experiment"] == "ridge-tpe" and len(data["trials"]) == 8
    conditions = {t["condition"] for t in data["trials"]}
    assert conditions <= {"Succeeded", "EarlyStopped"}
    for t in data["trials"]:
        assert set(t["assignments"]) == {"lr", "l2", "batch_size", "momentum"}
        assert len(t["reports"]["validation-loss"]) >= 1
        if t["condition"] == "Succeeded":
            assert len(t["reports"]["validation-loss"]) == 8 and t["exitStatus"] == 0
    assert "best: " in first.stdout and "stopped: 8 trials" in first.stdout
    # A larger budget continues from the same file: the first 8 trials are kept as they were.
    manifest.write_text(manifest.read_text().replace("maxTrialCount: 8", "maxTrialCount: 14"))
    second = tune(manifest, results)
    assert second.returncode == 0, second.stderr
    again = json.loads(results.read_text())
    assert len(again["trials"]) == 14
    assert again["trials"][:8] == data["trials"]
    assert len({t["name"] for t in again["trials"]}) == 14


def test_early_stopping_stops_poor_trials(tmp_path):
    manifest = prepare(tmp_path, 16, [("goal: 0.2", "goal: 0.0")])
    results = tmp_path / "results.json"
    run = tune(manifest, results)
    assert run.returncode == 0, run.stderr
    trials = json.loads(results.read_text())["trials"]
    stopped = [t for t in trials if t["condition"] == "EarlyStopped"]
    assert stopped, "medianstop with start_step 2 stops the slow learners"
    for t in stopped:
        assert len(t["reports"]["validation-loss"]) < 8


def test_failure_budget_stops_the_experiment(tmp_path):
    manifest = prepare(tmp_path, 10, [("                  - python3\n", "                  - python3\n                  - -c\n                  - \"import sys; sys.exit(3)\"\n")])
    results = tmp_path / "results.json"
    run = tune(manifest, results)
    assert run.returncode == 1, run.stdout + run.stderr
    trials = json.loads(results.read_text())["trials"]
    assert all(t["condition"] == "Failed" and t["exitStatus"] == 3 for t in trials)
    assert 7 <= len(trials) <= 10, "stops once more than maxFailedTrialCount (6) failed"
    assert "more than 6 trials failed" in run.stdout


def test_example_is_a_valid_katib_experiment_with_a_runnable_inline_script():
    import yaml
    doc = yaml.safe_load((EXAMPLE / "experiment.yaml").read_text())
    assert doc["apiVersion"] == "kubeflow.org/v1beta1" and doc["kind"] == "Experiment"
    container = doc["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:2] == ["python3", "-c"]
    compile(container["command"][2], "train", "exec")
    used = {a.split("${trialParameters.")[1].rstrip("}") for a in container["command"] if "${trialParameters." in a}
    assert used == {t["name"] for t in doc["spec"]["trialTemplate"]["trialParameters"]}


def test_invalid_manifest_is_explained(tmp_path):
    manifest = prepare(tmp_path, 4, [("algorithmName: tpe", "algorithmName: nope")])
    run = tune(manifest, tmp_path / "r.json")
    assert run.returncode == 2
    assert "unknown algorithm name nope" in run.stderr
    (tmp_path / "broken.yaml").write_text("kind: Experiment\nspec:\n\tbad: tab\n")
    run = tune(tmp_path / "broken.yaml", tmp_path / "r2.json")
    assert run.returncode == 2 and "line 3" in run.stderr


def test_suggest_client_and_python_example(server, tmp_path):
    manifest = prepare(tmp_path, 4)
    out = subprocess.run([BINARY, "suggest", "--target", server.address, str(manifest), "--count", "3"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    reply = json.loads(out.stdout)
    assert len(reply["parameterAssignments"]) == 3
    assert set(reply["parameterAssignments"][0]["assignments"]) == {"lr", "l2", "batch_size", "momentum"}
    example = subprocess.run([sys.executable, str(ROOT / "examples" / "python-client" / "suggest.py"), "--target", server.address,
                              "--trials", "6", "--batch", "2"], capture_output=True, text=True, timeout=120)
    assert example.returncode == 0, example.stderr
    assert example.stdout.count("loss=") == 6 and "best:" in example.stdout


@pytest.mark.parametrize("count", ["x", "0", "-2"])
def test_suggest_count_that_is_not_a_positive_integer_is_an_error(server, tmp_path, count):
    manifest = prepare(tmp_path, 4)
    out = subprocess.run([BINARY, "suggest", "--target", server.address, str(manifest), "--count", count],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "--count must be a positive integer" in out.stderr


def test_an_unwritable_results_file_is_an_error_before_any_trial_runs(tmp_path):
    manifest = prepare(tmp_path, 4)
    started = time.monotonic()
    out = tune(manifest, tmp_path / "no-such-dir" / "r.json")
    assert out.returncode == 2
    assert "cannot write the results file" in out.stderr and "No such file or directory" in out.stderr
    assert "Succeeded" not in out.stdout, "no trial ran"
    assert time.monotonic() - started < 30


def test_progress_written_to_a_file_is_plain_lines(tmp_path):
    manifest = prepare(tmp_path, 3)
    out = subprocess.run([BINARY, "tune", str(manifest), "--results", str(tmp_path / "r.json")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stderr and "\r" not in out.stderr
    assert "3/3 done" in out.stderr
