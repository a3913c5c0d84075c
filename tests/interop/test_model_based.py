"""The model-based samplers (tpe, multivariate-tpe, bayesianoptimization, cmaes, sobol) over a real
socket with grpcio: Katib-shaped requests with history, exact counts, determinism, validation."""
import random

import grpc
import pytest

from conftest import api_pb2, experiment, param, trial

NAMES = ["tpe", "multivariate-tpe", "bayesianoptimization", "cmaes", "sobol"]
PARAMS = [
    param("lr", api_pb2.DOUBLE, "0.0001", "0.1", dist=api_pb2.LOG_UNIFORM),
    param("momentum", api_pb2.DOUBLE, "0.5", "0.99"),
    param("layers", api_pb2.INT, "1", "8"),
    param("optimizer", api_pb2.CATEGORICAL, values=["sgd", "adam", "ftrl"]),
]


def history(n, seed=0):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a = [("lr", repr(10 ** rng.uniform(-4, -1))), ("momentum", repr(rng.uniform(0.5, 0.99))),
             ("layers", str(rng.randint(1, 8))), ("optimizer", rng.choice(["sgd", "adam", "ftrl"]))]
        condition = [api_pb2.TrialStatus.SUCCEEDED] * 6 + [api_pb2.TrialStatus.RUNNING, api_pb2.TrialStatus.FAILED]
        c = condition[i % len(condition)]
        out.append(trial(f"h-{i:03d}", a, condition=c, value=rng.random() if c == api_pb2.TrialStatus.SUCCEEDED else None))
    return out


@pytest.mark.parametrize("name,extra", [(n, []) for n in NAMES] + [
    ("bayesianoptimization", [("base_estimator", e)]) for e in ("RF", "ET", "GBRT")])
@pytest.mark.parametrize("count", [1, 5])
def test_model_based_suggestions_over_a_socket(stub, name, extra, count):
    exp = experiment(PARAMS, algorithm=name, settings=[("random_state", "11")] + extra, name=f"mb-{name}")
    req = api_pb2.GetSuggestionsRequest(experiment=exp, trials=history(40), current_request_number=count,
                                        total_request_number=40 + count)
    stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10)
    reply = stub.GetSuggestions(req, timeout=30)
    assert len(reply.parameter_assignments) == count
    seen = set()
    for pa in reply.parameter_assignments:
        values = {a.name: a.value for a in pa.assignments}
        assert set(values) == {"lr", "momentum", "layers", "optimizer"}
        assert 0.0001 <= float(values["lr"]) <= 0.1 and "e" not in values["lr"].lower()
        assert 0.5 <= float(values["momentum"]) <= 0.99
        assert values["layers"] in {str(i) for i in range(1, 9)}
        assert values["optimizer"] in {"sgd", "adam", "ftrl"}
        seen.add(tuple(sorted(values.items())))
    assert len(seen) == count, "no duplicates within a batch"
    again = stub.GetSuggestions(req, timeout=30)
    assert again == reply, "same request, same reply"


@pytest.mark.parametrize("name,settings,fragment", [
    ("tpe", [("gamma", "1.5")], "gamma"),
    ("tpe", [("n_EI_candidates", "0")], "n_EI_candidates"),
    ("multivariate-tpe", [("n_startup_trials", "x")], "n_startup_trials"),
    ("multivariate-tpe", [("seed", "1")], "unknown setting seed"),
    ("bayesianoptimization", [("base_estimator", "XGB")], "base_estimator"),
    ("bayesianoptimization", [("acq_func", "foo")], "acq_func"),
    ("cmaes", [("restart_strategy", "lpop")], "restart_strategy"),
    ("cmaes", [("sigma", "-1")], "sigma"),
    ("sobol", [("scramble", "yes")], "scramble"),
])
def test_invalid_settings_are_invalid_argument(stub, name, settings, fragment):
    exp = experiment(PARAMS, algorithm=name, settings=settings)
    for call in (lambda: stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10),
                 lambda: stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=1), timeout=10)):
        with pytest.raises(grpc.RpcError) as info:
            call()
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert fragment in info.value.details()


def test_cmaes_names_its_trials_and_continues_generations(stub):
    exp = experiment(PARAMS[:3], algorithm="cmaes", settings=[("random_state", "1")], name="cma-interop")
    first = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=3), timeout=10)
    names = [pa.trial_name for pa in first.parameter_assignments]
    assert all(n.startswith("cma-interop-cmaes-0-0-") for n in names) and len(set(names)) == 3
    assert all(pa.labels["cmaes.suggestion.katib.kubeflow.org/generation"] == "0" for pa in first.parameter_assignments)
