"""hyperband, asha, bohb and pbt driven over gRPC the way Katib's controller drives them: requests
sized min(parallel, max - finished) - active, trials finishing in random order, some failing, some
vanishing (MetricsUnavailable trials are left out of requests). Calls alternate between two server
processes and one is restarted mid-run: a stateless service must not notice."""
import random
import re

import grpc
import pytest

from conftest import Server, api_pb2, api_pb2_grpc, experiment, param

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

MF_PARAMS = [param("lr", api_pb2.DOUBLE, "0.001", "0.1", dist=api_pb2.LOG_UNIFORM),
             param("layers", api_pb2.INT, "1", "8"),
             param("opt", api_pb2.CATEGORICAL, values=["sgd", "adam", "ftrl"]),
             param("epochs", api_pb2.INT, "1", "27")]
PBT_PARAMS = [param("lr", api_pb2.DOUBLE, "0.0001", "0.02", step="0.0001"),
              param("n", api_pb2.INT, "1", "5")]

CASES = {
    "hyperband": (MF_PARAMS, [("r_l", "27"), ("resource_name", "epochs"), ("eta", "3")]),
    "asha": (MF_PARAMS, [("resource_name", "epochs"), ("eta", "3")]),
    "bohb": (MF_PARAMS, [("r_l", "27"), ("resource_name", "epochs")]),
    "pbt": (PBT_PARAMS, [("suggestion_trial_dir", "/var/log/katib/checkpoints/"), ("n_population", "5"),
                         ("truncation_threshold", "0.2")]),
}


@pytest.fixture(scope="module")
def second_server():
    s = Server()
    yield s
    assert s.stop() == 0


def score(assign):
    lr = float(assign["lr"])
    epochs = float(assign.get("epochs", "10"))
    return (1 - abs(lr - 0.01) * 10) * (1 - 0.5 / epochs)


@pytest.mark.parametrize("parallel", [1, 3, 9])
@pytest.mark.parametrize("algorithm", sorted(CASES))
def test_simulated_katib_experiment(server, second_server, algorithm, parallel):
    params, settings = CASES[algorithm]
    max_trials = 40
    exp = experiment(params, algorithm=algorithm, settings=settings, name=f"mf-{algorithm}-{parallel}",
                     max_trials=max_trials, parallel=parallel)
    servers = [server, second_server]
    channels = [s.channel() for s in servers]
    stubs = [api_pb2_grpc.SuggestionStub(c) for c in channels]
    stubs[0].ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10)
    rng = random.Random(parallel)
    runs, vanished, names = [], set(), set()
    suggestion_count, calls = 0, 0
    try:
        while True:
            finished = sum(1 for r in runs if r.status.condition != api_pb2.TrialStatus.RUNNING)
            active = len(runs) - finished
            if finished >= max_trials:
                break
            to_add = min(parallel, max_trials - finished) - active
            if to_add > 0:
                trials = [r for r in runs if r.name not in vanished]
                rng.shuffle(trials)
                req = api_pb2.GetSuggestionsRequest(experiment=exp, trials=trials, current_request_number=to_add,
                                                    total_request_number=suggestion_count + to_add)
                reply = stubs[calls % 2].GetSuggestions(req, timeout=20)
                again = stubs[(calls + 1) % 2].GetSuggestions(req, timeout=20)
                assert reply == again, "another replica gives the same reply"
                calls += 1
                assert len(reply.parameter_assignments) == to_add, "Katib would retry forever"
                suggestion_count += to_add
                for pa in reply.parameter_assignments:
                    assert len(pa.trial_name) <= 63 and DNS_LABEL.match(pa.trial_name), pa.trial_name
                    assert pa.trial_name not in names
                    names.add(pa.trial_name)
                    if algorithm == "pbt":
                        assert "pbt.suggestion.katib.kubeflow.org/generation" in pa.labels
                    runs.append(api_pb2.Trial(
                        name=pa.trial_name,
                        spec=api_pb2.TrialSpec(parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(
                            assignments=pa.assignments)),
                        status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.RUNNING)))
                if calls == 5:
                    # Restart one replica mid-experiment.
                    channels[1].close()
                    assert servers[1].stop() == 0
                    servers[1].__init__()
                    channels[1] = servers[1].channel()
                    stubs[1] = api_pb2_grpc.SuggestionStub(channels[1])
            running = [r for r in runs if r.status.condition == api_pb2.TrialStatus.RUNNING]
            for r in rng.sample(running, rng.randint(1, len(running))):
                u = rng.random()
                if u < 0.1:
                    r.status.condition = api_pb2.TrialStatus.FAILED
                elif u < 0.13:
                    r.status.condition = api_pb2.TrialStatus.METRICSUNAVAILABLE
                    vanished.add(r.name)
                else:
                    r.status.condition = api_pb2.TrialStatus.SUCCEEDED
                    value = score({a.name: a.value for a in r.spec.parameter_assignments.assignments})
                    r.status.observation.metrics.append(api_pb2.Metric(name="accuracy", value=str(value)))
    finally:
        for c in channels:
            c.close()
    assert len(names) == len(runs) >= max_trials


BAD_SETTINGS = [
    ("hyperband", MF_PARAMS, [("r_l", "0"), ("resource_name", "epochs")], "r_l"),        # Katib: UNKNOWN (math domain error)
    ("hyperband", MF_PARAMS, [("r_l", "9"), ("resource_name", "epochs"), ("eta", "1")], "eta"),  # Katib: UNKNOWN (division by zero)
    ("hyperband", MF_PARAMS, [("r_l", "9"), ("resource_name", "epochs"), ("eta", "x")], "eta"),
    ("hyperband", MF_PARAMS, [("r_l", "9")], "r_l and resource_name must be set"),
    ("hyperband", MF_PARAMS, [("r_l", "9"), ("resource_name", "nope")], "resource_name"),
    ("hyperband", MF_PARAMS, [("r_l", "9"), ("resource_name", "opt")], "INT or DOUBLE"),
    ("asha", MF_PARAMS, [("eta", "3")], "resource_name"),
    ("bohb", MF_PARAMS, [("r_l", "27"), ("resource_name", "epochs"), ("top_fraction", "1")], "top_fraction"),
    ("pbt", PBT_PARAMS, [("n_population", "40")], "Required params missing: suggestion_trial_dir, truncation_threshold"),
    ("pbt", PBT_PARAMS, [("suggestion_trial_dir", "/x"), ("n_population", "5.0"), ("truncation_threshold", "0.2")],
     "n_population"),  # Katib: UNKNOWN
    ("pbt", PBT_PARAMS, [("suggestion_trial_dir", "/x"), ("n_population", "5"), ("truncation_threshold", "0.2"),
                         ("resample_probability", "2")], "resample_probability"),
]


@pytest.mark.parametrize("algorithm,params,settings,needle", BAD_SETTINGS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_SETTINGS)])
def test_bad_settings_are_invalid_argument(stub, algorithm, params, settings, needle):
    exp = experiment(params, algorithm=algorithm, settings=settings)
    with pytest.raises(grpc.RpcError) as err:
        stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert needle in err.value.details(), err.value.details()


def test_hyperband_clamps_rungs_into_the_resource_range(stub):
    # r_l 81 with epochs INT [1, 27]: Katib ignores the range; here the top rung trains 27 epochs.
    exp = experiment(MF_PARAMS, algorithm="hyperband", settings=[("r_l", "81"), ("resource_name", "epochs")], parallel=81)
    stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10)
    # 150 slots reach every bracket's first rung: 81 configurations at 1 epoch, 34 at 3, 15 at 9, 8 at 27,
    # then the last bracket's 5 at R = 81, clamped to 27.
    reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=150), timeout=30)
    epochs = [int(dict((a.name, a.value) for a in pa.assignments)["epochs"]) for pa in reply.parameter_assignments]
    assert sorted(set(epochs)) == [1, 3, 9, 27], sorted(set(epochs))
    assert epochs.count(27) == 8 + 5


def test_pbt_resample_probability_passes_validation(stub):
    # Katib's own pbt service rejects every resample_probability (it compares a string with numbers).
    exp = experiment(PBT_PARAMS, algorithm="pbt", settings=CASES["pbt"][1] + [("resample_probability", "0.3")])
    stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10)


def test_pbt_children_start_from_a_copy_of_their_parents_checkpoint(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    s = Server("--pbt-data-dir", str(data))
    try:
        with s.channel() as ch:
            stub = api_pb2_grpc.SuggestionStub(ch)
            params, settings = CASES["pbt"]
            exp = experiment(params, algorithm="pbt", settings=settings, name="ckpt-exp")
            first = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
                experiment=exp, current_request_number=5, total_request_number=5), timeout=10)
            trials = []
            for i, pa in enumerate(first.parameter_assignments):
                d = data / "ckpt-exp" / pa.trial_name
                assert d.is_dir() and not any(d.iterdir()), "generation 0 starts empty"
                (d / "training.ckpt").write_text(f"weights of {pa.trial_name}")
                (d / "sub").mkdir()
                (d / "sub" / "step").write_text(str(i))
                trials.append(api_pb2.Trial(
                    name=pa.trial_name,
                    spec=api_pb2.TrialSpec(parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(
                        assignments=pa.assignments)),
                    status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.SUCCEEDED, observation=api_pb2.Observation(
                        metrics=[api_pb2.Metric(name="accuracy", value=str(0.1 * (i + 1)))]))))
            second = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
                experiment=exp, trials=trials, current_request_number=5, total_request_number=10), timeout=10)
            parents = set()
            for pa in second.parameter_assignments:
                parent = pa.labels["pbt.suggestion.katib.kubeflow.org/parent"]
                parents.add(parent)
                child = data / "ckpt-exp" / pa.trial_name
                assert (child / "training.ckpt").read_text() == f"weights of {parent}"
                assert (child / "sub" / "step").is_file()
            best = first.parameter_assignments[4].trial_name
            worst = first.parameter_assignments[0].trial_name
            assert best in parents and worst not in parents, "the worst member resumes from the best checkpoint"
    finally:
        assert s.stop() == 0
