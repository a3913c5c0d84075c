"""GetSuggestions and ValidateAlgorithmSettings for random and grid, as Katib's controller calls them."""
import math

import grpc
import pytest

from conftest import (KATIB_RANDOM_PARAMS, api_pb2, as_dicts, experiment, param, trial)


def check_in_space(assignments, params):
    names = [p.name for p in params]
    assert [n for n, _ in assignments] == names, "every parameter, in experiment order"
    for (name, value), p in zip(assignments, params):
        fs = p.feasible_space
        if p.parameter_type == api_pb2.INT:
            assert str(int(value)) == value, f"{name}={value!r} is not an integer string"
            assert int(fs.min) <= int(value) <= int(fs.max)
            if fs.step:
                assert (int(value) - int(fs.min)) % int(fs.step) == 0
        elif p.parameter_type == api_pb2.DOUBLE:
            v = float(value)
            assert math.isfinite(v) and "e" not in value.lower(), value
            assert float(fs.min) <= v <= float(fs.max), f"{name}={value} outside [{fs.min}, {fs.max}]"
        else:
            assert value in list(fs.list)


def test_random_katib_example_request(stub):
    req = api_pb2.GetSuggestionsRequest(experiment=experiment(KATIB_RANDOM_PARAMS), current_request_number=3,
                                        total_request_number=3)
    reply = stub.GetSuggestions(req, timeout=10)
    got = as_dicts(reply)
    assert len(got) == 3
    for a in got:
        check_in_space(a, KATIB_RANDOM_PARAMS)
    assert len({tuple(a) for a in got}) == 3, "no duplicates within a batch"


def test_random_with_history_of_every_condition(stub):
    first = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
        experiment=experiment(KATIB_RANDOM_PARAMS), current_request_number=12), timeout=10)
    conditions = [api_pb2.TrialStatus.SUCCEEDED, api_pb2.TrialStatus.RUNNING, api_pb2.TrialStatus.FAILED,
                  api_pb2.TrialStatus.CREATED, api_pb2.TrialStatus.EARLYSTOPPED, api_pb2.TrialStatus.KILLED,
                  api_pb2.TrialStatus.METRICSUNAVAILABLE, api_pb2.TrialStatus.UNKNOWN]
    trials = [trial(f"t{i}", a, conditions[i % len(conditions)], value=0.5 + i / 100)
              for i, a in enumerate(as_dicts(first))]
    trials.append(trial("no-metric", as_dicts(first)[0], api_pb2.TrialStatus.SUCCEEDED))
    trials.append(trial("bad-metric", as_dicts(first)[1], api_pb2.TrialStatus.SUCCEEDED, value="unavailable"))
    req = api_pb2.GetSuggestionsRequest(experiment=experiment(KATIB_RANDOM_PARAMS), trials=trials,
                                        current_request_number=5, total_request_number=17)
    got = as_dicts(stub.GetSuggestions(req, timeout=10))
    assert len(got) == 5
    for a in got:
        check_in_space(a, KATIB_RANDOM_PARAMS)


def test_identical_requests_get_identical_replies(stub):
    trials = [trial(f"t{i}", [("lr", "0.02"), ("momentum", "0.6"), ("num-layers", "3"), ("optimizer", "adam")],
                    value=i) for i in range(20)]
    req = api_pb2.GetSuggestionsRequest(experiment=experiment(KATIB_RANDOM_PARAMS), trials=trials,
                                        current_request_number=4)
    assert as_dicts(stub.GetSuggestions(req, timeout=10)) == as_dicts(stub.GetSuggestions(req, timeout=10))
    seeded = experiment(KATIB_RANDOM_PARAMS, settings=[("random_state", "7")])
    other = experiment(KATIB_RANDOM_PARAMS, settings=[("random_state", "8")])
    a = as_dicts(stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=seeded, current_request_number=4)))
    b = as_dicts(stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=other, current_request_number=4)))
    assert a != b, "random_state changes the answer"


def test_every_type_and_distribution(stub):
    params = [
        param("d-log", api_pb2.DOUBLE, "1e-5", "1", dist=api_pb2.LOG_UNIFORM),
        param("d-normal", api_pb2.DOUBLE, "-1", "1", dist=api_pb2.NORMAL),
        param("d-lognormal", api_pb2.DOUBLE, "0.1", "10", dist=api_pb2.LOG_NORMAL),
        param("d-step", api_pb2.DOUBLE, "0.5", "2.5", step="0.25"),
        param("i-step", api_pb2.INT, "1", "10", step="3"),
        param("i-log", api_pb2.INT, "1", "1024", dist=api_pb2.LOG_UNIFORM),
        param("i-unspecified", api_pb2.INT, "-3", "3", dist=api_pb2.DISTRIBUTION_UNSPECIFIED),
        param("disc", api_pb2.DISCRETE, values=["3", "2", "6"]),
        param("cat", api_pb2.CATEGORICAL, values=["x", "y"]),
    ]
    reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=experiment(params),
                                                              current_request_number=200), timeout=20)
    got = as_dicts(reply)
    assert len(got) == 200
    for a in got:
        check_in_space(a, params)
    i_step = {dict(a)["i-step"] for a in got}
    assert i_step == {"1", "4", "7", "10"}, "stepped INT anchored at min, both ends reachable"


GRID_PARAMS = [param("lr", api_pb2.DOUBLE, "0.01", "0.05", step="0.005"),
               param("momentum", api_pb2.DOUBLE, "0.5", "0.9", step="0.1")]


def test_grid_closed_loop_until_exhausted(stub):
    exp = experiment(GRID_PARAMS, algorithm="grid", max_trials=45)
    stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10)
    trials, seen = [], set()
    while len(trials) < 45:
        n = min(4, 45 - len(trials))
        reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
            experiment=exp, trials=trials, current_request_number=n, total_request_number=len(trials) + n),
            timeout=10)
        got = as_dicts(reply)
        assert len(got) == n
        for a in got:
            check_in_space(a, GRID_PARAMS)
            key = tuple(a)
            assert key not in seen, f"grid handed out {key} twice"
            seen.add(key)
            trials.append(trial(f"grid-{len(trials)}", a, value=0.1))
    lrs = sorted({float(dict(a)["lr"]) for a in seen})
    assert len(lrs) == 9 and abs(lrs[-1] - 0.05) < 1e-12
    with pytest.raises(grpc.RpcError) as err:
        stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, trials=trials, current_request_number=1),
                            timeout=10)
    assert err.value.code() not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL)
    assert "exhaust" in err.value.details().lower() and "45" in err.value.details()


def test_grid_reoffers_cells_of_failed_trials(stub):
    exp = experiment([param("n", api_pb2.INT, "1", "3")], algorithm="grid")
    trials = [trial("a", [("n", "1")], api_pb2.TrialStatus.FAILED),
              trial("b", [("n", "2")], api_pb2.TrialStatus.RUNNING),
              trial("c", [("n", "3")], api_pb2.TrialStatus.SUCCEEDED, value=1)]
    got = as_dicts(stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
        experiment=exp, trials=trials, current_request_number=1), timeout=10))
    assert got == [[("n", "1")]]


INVALID = [
    ("unknown algorithm", experiment(KATIB_RANDOM_PARAMS, algorithm="no-such-algo"), "no-such-algo"),
    ("unknown setting", experiment(KATIB_RANDOM_PARAMS, settings=[("colour", "red")]), "colour"),
    ("negative random_state", experiment(KATIB_RANDOM_PARAMS, settings=[("random_state", "-1")]), "random_state"),
    ("min above max", experiment([param("lr", api_pb2.DOUBLE, "0.9", "0.1")]), "lr"),
    ("non-numeric bound", experiment([param("lr", api_pb2.DOUBLE, "abc", "0.1")]), "lr"),
    ("empty list", experiment([param("opt", api_pb2.CATEGORICAL, values=[])]), "opt"),
    ("non-positive step", experiment([param("n", api_pb2.INT, "1", "5", step="0")]), "n"),
    ("log with non-positive min", experiment([param("lr", api_pb2.DOUBLE, "0", "1", dist=api_pb2.LOG_UNIFORM)]),
     "lr"),
    ("grid DOUBLE without step", experiment([param("lr", api_pb2.DOUBLE, "0.1", "0.2")], algorithm="grid"), "lr"),
    ("grid smaller than max_trial_count",
     experiment([param("n", api_pb2.INT, "1", "5")], algorithm="grid", max_trials=6), "6"),
    ("no parameters", experiment([]), "parameter"),
    ("non-ASCII parameter name", experiment([param("学习率%", api_pb2.DOUBLE, "2", "1")]), "学习率%"),
    ("points_to_evaluate outside the range",
     experiment([param("lr", api_pb2.DOUBLE, "0.1", "0.2")], algorithm="tpe",
                settings=[("points_to_evaluate", '[{"lr": "0.5"}]')]), "points_to_evaluate[0].lr"),
    ("conditions on an algorithm that cannot honour them",
     experiment([param("opt", api_pb2.CATEGORICAL, values=["a", "b"]), param("x", api_pb2.DOUBLE, "0", "1")],
                algorithm="cmaes", settings=[("conditions", "x: opt in (a)")]), "cannot honour conditions"),
    ("conditions naming a value the parent lacks",
     experiment([param("opt", api_pb2.CATEGORICAL, values=["a", "b"]), param("x", api_pb2.DOUBLE, "0", "1")],
                settings=[("conditions", "x: opt in (c)")]), '"c" is not a value of opt'),
    ("points_to_evaluate not JSON",
     experiment([param("lr", api_pb2.DOUBLE, "0.1", "0.2")], settings=[("points_to_evaluate", "lr=0.15")]),
     "not valid JSON"),
]


def test_points_to_evaluate_come_first(stub):
    params = [param("lr", api_pb2.DOUBLE, "0.001", "0.1", dist=api_pb2.LOG_UNIFORM),
              param("opt", api_pb2.CATEGORICAL, values=["sgd", "adam"])]
    points = '[{"lr": "0.01", "opt": "adam"}, {"lr": 0.05, "opt": "sgd"}]'
    exp = experiment(params, algorithm="tpe", settings=[("points_to_evaluate", points)])
    first = as_dicts(stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
        experiment=exp, current_request_number=3, total_request_number=3), timeout=10))
    assert first[:2] == [[("lr", "0.01"), ("opt", "adam")], [("lr", "0.05"), ("opt", "sgd")]]
    assert first[2] not in first[:2]
    # The first point has run: the next call starts with the second.
    done = [trial("t0", [("lr", "0.01"), ("opt", "adam")], value=0.5)]
    later = as_dicts(stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
        experiment=exp, trials=done, current_request_number=1, total_request_number=4), timeout=10))
    assert later == [[("lr", "0.05"), ("opt", "sgd")]]


@pytest.mark.parametrize("label,exp,needle", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_input_is_invalid_argument_in_both_methods(stub, label, exp, needle):
    with pytest.raises(grpc.RpcError) as err:
        stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert needle in err.value.details(), err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=1), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert needle in err.value.details(), err.value.details()


def test_valid_settings_pass_validation(stub):
    for algo in ("random", "grid"):
        exp = experiment([param("n", api_pb2.INT, "1", "5")], algorithm=algo, settings=[("random_state", "10")],
                         max_trials=5)
        stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10)


def test_missing_experiment_and_bad_counts(stub):
    for req in (api_pb2.GetSuggestionsRequest(current_request_number=1),
                api_pb2.GetSuggestionsRequest(experiment=experiment(KATIB_RANDOM_PARAMS), current_request_number=0),
                api_pb2.GetSuggestionsRequest(experiment=experiment(KATIB_RANDOM_PARAMS), current_request_number=-3)):
        with pytest.raises(grpc.RpcError) as err:
            stub.GetSuggestions(req, timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert err.value.details()


def test_conditional_children_get_placeholders_when_inactive(stub):
    params = [param("opt", api_pb2.CATEGORICAL, values=["sgd", "adam"]),
              param("momentum", api_pb2.DOUBLE, "0.5", "0.99"),
              param("beta2", api_pb2.DISCRETE, values=["0.99", "0.999"])]
    exp = experiment(params, algorithm="tpe", settings=[("conditions", "momentum: opt in (sgd); beta2: opt in (adam)")])
    reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=20,
                                                              total_request_number=20), timeout=10)
    got = [dict(a) for a in as_dicts(reply)]
    assert {a["opt"] for a in got} == {"sgd", "adam"}
    for a in got:
        assert (a["beta2"] == "0.99") if a["opt"] == "sgd" else (a["momentum"] == "0.5"), a
