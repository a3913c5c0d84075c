"""`suggestion-server tune` end to end on the bundled example (copied to a temporary directory, with
smaller budgets), resuming from its results file, the failure budget, `suggestion-server suggest`
against a running server, and the Python client example."""
import json
import re
import os
import pathlib
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import BINARY, ROOT

EXAMPLE = ROOT / "examples" / "ridge"


def prepare(tmp_path, max_trials, extra_edits=(), example=EXAMPLE):
    text = (example / "experiment.yaml").read_text()
    text = re.sub(r"maxTrialCount: \d+", f"maxTrialCount: {max_trials}", text, count=1)
    for old, new in extra_edits:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "experiment.yaml").write_text(text)
    return tmp_path / "experiment.yaml"


def tune_example(tmp_path, name, max_trials, extra_edits=()):
    """Runs examples/<name> with a smaller budget; returns tune's output and the trials of its results."""
    results = tmp_path / "results.json"
    run = tune(prepare(tmp_path, max_trials, extra_edits, ROOT / "examples" / name), results)
    assert run.returncode == 0, run.stderr
    return run, json.loads(results.read_text())["trials"]


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
    assert "best: " in first.stdout and "stopped: maxTrialCount (8) trials have finished" in first.stdout
    assert data["stopReason"] == "MaxTrialsReached"
    for t in data["trials"]:
        assert t["startTime"] <= t["endTime"] and t["durationSeconds"] >= 0
        assert (tmp_path / "results.json.d" / t["name"] / "stdout.log").read_text().count("validation-loss=") == len(t["reports"]["validation-loss"]) or t["condition"] == "EarlyStopped"
    assert results.read_text().startswith('{\n  "experiment": "ridge-tpe"'), "indented for people"
    # A larger budget continues from the same file: the first 8 trials are kept as they were.
    manifest.write_text(manifest.read_text().replace("maxTrialCount: 8", "maxTrialCount: 14"))
    second = tune(manifest, results)
    assert second.returncode == 0, second.stderr
    again = json.loads(results.read_text())
    assert len(again["trials"]) == 14
    assert [{k: v for k, v in t.items()} for t in again["trials"][:8]] == data["trials"]
    assert len({t["name"] for t in again["trials"]}) == 14


def test_early_stopping_stops_poor_trials(tmp_path):
    # Each epoch takes 0.15 s, so trials are still running when the rules arrive, however fast or
    # loaded the machine (without it a trial could finish before any rule applies to it).
    slow_epochs = ('print(f"validation-loss={val:.6f}", flush=True)',
                   'print(f"validation-loss={val:.6f}", flush=True); __import__("time").sleep(0.15)')
    manifest = prepare(tmp_path, 16, [("goal: 0.2", "goal: 0.0"), slow_epochs])
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
    assert 6 <= len(trials) <= 9, "stops once maxFailedTrialCount (6) trials have failed, as Katib does (>=)"
    assert "trials failed or reported no metrics, maxFailedTrialCount is 6" in run.stdout


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


EXPERIMENTS = pathlib.Path(__file__).parent / "experiments"


def copy_experiment(tmp_path, name, edits=()):
    text = (EXPERIMENTS / name).read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / name).write_text(text)
    return tmp_path / name


def test_pytorchjob_with_a_json_file_collector_and_metadata_substitution(tmp_path):
    manifest = copy_experiment(tmp_path, "pytorchjob-file-json.yaml")
    results = tmp_path / "r.json"
    run = subprocess.run([BINARY, "tune", str(manifest), "--results", str(results), "--csv", str(tmp_path / "r.csv")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PyTorchJob: only one Master process runs locally" in run.stderr
    data = json.loads(results.read_text())
    assert len(data["trials"]) == 4
    for t in data["trials"]:
        assert t["condition"] == "Succeeded", t
        lr = float(t["assignments"]["lr"])
        assert len(t["reports"]["accuracy"]) == 3 and abs(t["reports"]["accuracy"][-1] - (1 - 0.1 / 3 - lr)) < 1e-9
        assert len(t["reports"]["loss"]) == 3
        out = (tmp_path / "r.json.d" / t["name"] / "stdout.log").read_text()
        assert out.strip() == f"trial {t['name']} kind PyTorchJob team vision"
    rows = (tmp_path / "r.csv").read_text().splitlines()
    assert rows[0] == "trial,condition,accuracy,loss,lr,startTime,durationSeconds,exitStatus"
    assert len(rows) == 5 and all(r.split(",")[1] == "Succeeded" for r in rows[1:])


def test_a_crashing_trial_says_why_and_the_failure_budget_counts_as_katib(tmp_path):
    manifest = copy_experiment(tmp_path, "crashing-trial.yaml")
    results = tmp_path / "r.json"
    run = subprocess.run([BINARY, "tune", str(manifest), "--results", str(results)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    data = json.loads(results.read_text())
    assert len(data["trials"]) == 2, "maxFailedTrialCount 2: the second failure stops the run (Katib's >=)"
    assert data["stopReason"] == "MaxFailedTrialsReached"
    for t in data["trials"]:
        assert t["condition"] == "Failed" and t["exitStatus"] == 1 and t["explanation"] == "exit status 1"
        assert any("ValueError: learning rate" in line for line in t["outputTail"])
        assert "ValueError: learning rate" in (tmp_path / "r.json.d" / t["name"] / "stderr.log").read_text()
        assert (tmp_path / "r.json.d" / t["name"] / "stdout.log").read_text() == "epoch=1\n"
    assert "| ValueError: learning rate" in run.stdout, "the table shows the end of stderr"
    assert "2 trials failed or reported no metrics, maxFailedTrialCount is 2" in run.stdout


def test_a_missing_program_is_explained(tmp_path):
    manifest = copy_experiment(tmp_path, "crashing-trial.yaml", [("                  - python3\n", "                  - no-such-trainer-xyz\n")])
    run = subprocess.run([BINARY, "tune", str(manifest), "--results", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    t = json.loads((tmp_path / "r.json").read_text())["trials"][0]
    assert t["exitStatus"] == 127 and "the command was not found" in t["explanation"]
    assert any("no-such-trainer-xyz" in line for line in t["outputTail"])


def test_a_silent_trial_is_metrics_unavailable_with_the_expected_format(tmp_path):
    manifest = copy_experiment(tmp_path, "silent-trial.yaml")
    run = subprocess.run([BINARY, "tune", str(manifest), "--results", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, "MetricsUnavailable counts against maxFailedTrialCount (2)"
    data = json.loads((tmp_path / "r.json").read_text())
    assert [t["condition"] for t in data["trials"]] == ["MetricsUnavailable"] * 2
    t = data["trials"][0]
    assert 'e.g. "loss=0.25"' in t["explanation"] and "([\\w|-]+)" in t["explanation"]
    assert t["outputTail"][-1] == "val_loss: 0.5"
    assert "printed no value for loss" in run.stdout and "| val_loss: 0.5" in run.stdout


def test_ctrl_c_stops_the_trials_and_resume_runs_them_again(tmp_path):
    manifest = copy_experiment(tmp_path, "interrupted.yaml")
    (tmp_path / "delay").write_text("60")
    results = tmp_path / "r.json"
    proc = subprocess.Popen([BINARY, "tune", str(manifest), "--results", str(results)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list((tmp_path / "pids").glob("*"))) < 2:
        time.sleep(0.1)
    pids = {p.name: int(p.read_text()) for p in (tmp_path / "pids").glob("*")}
    assert len(pids) == 2, "two trials run in parallel"
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, out + err
    assert time.monotonic() - started < 8, "SIGTERM reaches the trials' process groups; no 60 s wait"
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    data = json.loads(results.read_text())
    assert data["stopReason"] == "Interrupted"
    assert sorted(t["name"] for t in data["trials"] if t["condition"] == "Interrupted") == sorted(pids)
    assert "resume with: " in out
    resume = out.split("resume with: ")[1].strip()
    # The printed command resumes the run; the interrupted trials run again and use no budget.
    (tmp_path / "delay").write_text("0")
    again = subprocess.run(shlex.split(resume), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    final = json.loads(results.read_text())
    assert len(final["trials"]) == 3
    assert all(t["condition"] == "Succeeded" for t in final["trials"])
    assert {t["name"]: t["assignments"] for t in final["trials"] if t["name"] in pids} == \
        {t["name"]: t["assignments"] for t in data["trials"] if t["name"] in pids}


def test_tune_and_suggest_help_describe_their_own_options():
    tune_help = subprocess.run([BINARY, "tune", "--help"], capture_output=True, text=True, timeout=30)
    suggest_help = subprocess.run([BINARY, "suggest", "--help"], capture_output=True, text=True, timeout=30)
    assert tune_help.returncode == 0 and suggest_help.returncode == 0
    assert "--csv FILE" in tune_help.stdout and "--target" not in tune_help.stdout
    assert "--target HOST:PORT" in suggest_help.stdout and "--csv" not in suggest_help.stdout


def png_is_not_blank(data):
    """True when the PNG's pixel data has more than a handful of distinct byte values (a blank page
    decodes to one colour plus the row filter bytes)."""
    import zlib
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(idat))) > 16


def test_the_html_report_renders_every_trial_in_a_headless_browser(tmp_path):
    chromium = shutil.which("chromium")
    assert chromium, "scripts/setup.sh installs Debian's chromium for this test"
    manifest = prepare(tmp_path, 10)
    results = tmp_path / "results.json"
    run = tune(manifest, results)
    assert run.returncode == 0, run.stderr
    report = tmp_path / "results.html"
    assert f"report: {report}" in run.stdout
    html = report.read_text()
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', ""), "self-contained"
    trials = json.loads(results.read_text())["trials"]
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,1600"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120).stdout
    from html.parser import HTMLParser

    class Marks(HTMLParser):
        def __init__(self):
            super().__init__()
            self.marks = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if "data-trial" in a:
                self.marks.append((tag, a.get("class"), a["data-trial"]))

    parser = Marks()
    parser.feed(dom)
    names = {t["name"] for t in trials}
    rows = [m[2] for m in parser.marks if m[0] == "tr"]
    assert sorted(rows) == sorted(names), "the table has every trial once"
    with_value = {t["name"] for t in trials if t["reports"].get("validation-loss")}
    assert {m[2] for m in parser.marks if m[1] == "trial-point"} == with_value
    assert {m[2] for m in parser.marks if m[1] == "pc-line"} == with_value
    assert {m[2] for m in parser.marks if m[1] == "curve"} == with_value
    assert 'class="best-so-far"' in dom
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, *flags, f"--screenshot={shot}", report.as_uri()], capture_output=True, timeout=120)
    assert png_is_not_blank(shot.read_bytes())


def test_a_multi_document_file_with_anchors_runs_and_misspelt_fields_are_reported(tmp_path):
    manifest = copy_experiment(tmp_path, "multi-document.yaml")
    run = subprocess.run([BINARY, "tune", str(manifest), "--results", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    line = next(i + 1 for i, text in enumerate(manifest.read_text().splitlines()) if text.strip().startswith("algorithmSetings:"))
    assert f"unknown field spec.algorithm.algorithmSetings (line {line}) is ignored" in run.stderr
    assert "ignored here, they act only on a cluster: spec.resumePolicy" in run.stderr
    trials = json.loads((tmp_path / "r.json").read_text())["trials"]
    assert len(trials) == 2 and all(t["condition"] == "Succeeded" for t in trials)
    assert all(-1 <= float(t["assignments"]["y"]) <= 1 for t in trials), "the anchored feasibleSpace applies to y"
    strict = subprocess.run([BINARY, "tune", str(manifest), "--strict", "--results", str(tmp_path / "s.json")],
                            capture_output=True, text=True, timeout=60)
    assert strict.returncode == 2 and f"unknown field spec.algorithm.algorithmSetings (line {line})" in strict.stderr
    assert not (tmp_path / "s.json").exists()
    only_job = tmp_path / "job.yaml"
    only_job.write_text("apiVersion: batch/v1\nkind: Job\n---\nkind: ConfigMap\n")
    none = subprocess.run([BINARY, "tune", str(only_job)], capture_output=True, text=True, timeout=60)
    assert none.returncode == 2 and "no document of kind Experiment in the file (found: Job, ConfigMap)" in none.stderr


def test_a_second_ctrl_c_kills_trials_that_ignore_sigterm(tmp_path):
    manifest = copy_experiment(tmp_path, "interrupted.yaml", [
        ("import os, sys, time\n", "import os, signal, sys, time\n                    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n")])
    (tmp_path / "delay").write_text("60")
    proc = subprocess.Popen([BINARY, "tune", str(manifest), "--results", str(tmp_path / "r.json")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list((tmp_path / "pids").glob("*"))) < 2:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    time.sleep(1)
    assert proc.poll() is None, "the trials ignore SIGTERM: the first Ctrl-C waits out the grace period"
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, out + err
    assert time.monotonic() - started < 3, "the second Ctrl-C sends SIGKILL at once"
    trials = json.loads((tmp_path / "r.json").read_text())["trials"]
    assert [t["condition"] for t in trials] == ["Interrupted", "Interrupted"]
    assert all("SIGKILL" in t["explanation"] or "Killed" in t["explanation"] for t in trials), trials


def test_a_text_file_collector_reads_the_file_not_the_output(tmp_path):
    script = ("import sys; x, y = map(float, sys.argv[1:3]); print('loss=999'); "
              "open(sys.argv[4], 'w').write('epoch=1 loss=%s\\n' % (x * x + y * y))")
    manifest = copy_experiment(tmp_path, "multi-document.yaml", [
        ("  parallelTrialCount: 1\n", "  parallelTrialCount: 1\n  metricsCollectorSpec:\n    source:\n      fileSystemPath:\n"
         "        path: /var/log/katib/metrics.log\n        kind: File\n        format: TEXT\n    collector:\n      kind: File\n"),
        ("\"import sys; x, y = map(float, sys.argv[1:3]); print('loss=%s' % (x * x + y * y + (sys.argv[3] == 'sgd')))\"",
         json.dumps(script)),
        ("                  - ${trialParameters.optimizer}\n", "                  - ${trialParameters.optimizer}\n                  - /var/log/katib/metrics.log\n"),
    ])
    run = subprocess.run([BINARY, "tune", str(manifest), "--results", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    for t in json.loads((tmp_path / "r.json").read_text())["trials"]:
        x, y = float(t["assignments"]["x"]), float(t["assignments"]["y"])
        assert t["condition"] == "Succeeded" and t["reports"]["loss"] == [pytest.approx(x * x + y * y)], t
        assert (tmp_path / "r.json.d" / t["name"] / "metrics" / "metrics.log").exists()
        assert (tmp_path / "r.json.d" / t["name"] / "stdout.log").read_text() == "loss=999\n"


def test_evolution_example_breeds_from_finished_trials(tmp_path):
    _, trials = tune_example(tmp_path, "evolution", 14, [('value: "8"', 'value: "4"')])
    assert len(trials) == 14
    ages = sorted(int(t["name"].rsplit("-evo-", 1)[1], 36) for t in trials)
    assert ages == list(range(14)), "trials are named by age"
    # Children copy continuous values (lr, l2) from their parents; random draws never repeat them.
    by_age = sorted(trials, key=lambda t: int(t["name"].rsplit("-evo-", 1)[1], 36))
    inherited = sum(1 for i, t in enumerate(by_age[4:], 4)
                    if any(t["assignments"][p] == e["assignments"][p] for e in by_age[:i] for p in ("lr", "l2")))
    assert inherited >= 5, f"only {inherited} of 10 later trials inherit a value"


def test_warm_start_points_are_the_first_trials(tmp_path):
    _, trials = tune_example(tmp_path, "warm-start", 6)
    assert len(trials) == 6
    assignments = [t["assignments"] for t in trials]
    points = [{"lr": "0.05", "l2": "0.01", "batch_size": "16", "momentum": "0.9"},
              {"lr": "0.02", "l2": "0", "batch_size": "32", "momentum": "0.5"}]
    assert assignments[:2] == points, "the points come first, in order"
    assert all(a not in points for a in assignments[2:]), "and are not suggested again"


def test_conditional_example_gives_inactive_parameters_their_placeholders(tmp_path):
    run, trials = tune_example(tmp_path, "conditional", 12)
    assert len(trials) == 12
    assert {t["assignments"]["optimizer"] for t in trials} == {"sgd", "adam"}
    inactive = {}
    for t in trials:
        a = t["assignments"]
        if a["optimizer"] == "adam":
            assert a["momentum"] == "0", a   # momentum: optimizer in (sgd)
            inactive[t["name"]] = "momentum"
        else:
            assert a["beta2"] == "0.99", a   # beta2: optimizer in (adam)
            inactive[t["name"]] = "beta2"
    # The table and the report mark the inactive parameter instead of showing its placeholder.
    rows = {line.split()[0]: line for line in run.stdout.splitlines() if line.split() and line.split()[0] in inactive}
    assert set(rows) == set(inactive)
    for name, line in rows.items():
        off = inactive[name]
        on = "beta2" if off == "momentum" else "momentum"
        assert f"{off}=(inactive)" in line and f"{on}=(inactive)" not in line, line
    chromium = shutil.which("chromium")
    assert chromium, "scripts/setup.sh installs Debian's chromium for this test"
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          (tmp_path / "results.html").as_uri()], capture_output=True, text=True, timeout=120).stdout
    table = dom[dom.index('<table id="trials"'):]
    header = re.findall(r"<th>([^<]*)</th>", table[:table.index("</thead>")])
    for name, off in inactive.items():
        row = re.search(r'<tr data-trial="%s">(.*?)</tr>' % re.escape(name), table).group(1)
        cells = re.findall(r"<td([^>]*)>([^<]*)</td>", row)
        marked = {header[i] for i, (attrs, _) in enumerate(cells) if 'class="inactive"' in attrs}
        assert marked == {off}, (name, marked)


def test_multi_objective_example_prints_and_draws_the_pareto_front(tmp_path):
    run, trials = tune_example(tmp_path, "multi-objective", 14)
    # Katib's metric strategies: the objective metric's best report (min), the others' latest.
    values = {t["name"]: (min(t["reports"]["validation-loss"]), t["reports"]["weight-norm"][-1])
              for t in trials if t["condition"] == "Succeeded"}
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("pareto front: "))
    front = [line.split()[0] for line in lines[start + 1:] if line.startswith("  ")]
    def dominates(a, b):
        return all(x <= y for x, y in zip(a, b)) and a != b
    expected = {n for n, v in values.items() if not any(dominates(w, v) for w in values.values())}
    assert set(front) == expected and len(front) >= 2, (front, expected)
    chromium = shutil.which("chromium")
    assert chromium, "scripts/setup.sh installs Debian's chromium for this test"
    report = tmp_path / "results.html"
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", report.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    drawn = set(re.findall(r'<circle class="pareto-front" data-trial="([^"]+)"', dom))
    others = set(re.findall(r'<circle class="pareto-point" data-trial="([^"]+)"', dom))
    assert drawn == expected and others == set(values) - expected
