"""enas and darts over a real socket with grpcio: the assignments are parsed exactly as Katib's trial
images parse them (single quotes to double quotes, then json.loads), validation errors are
INVALID_ARGUMENT, the same request gets the same reply."""
import json

import grpc
import pytest

from conftest import api_pb2


def op(kind, *params):
    return api_pb2.Operation(operation_type=kind, parameter_specs=api_pb2.Operation.ParameterSpecs(parameters=list(params)))


def categorical(name, values):
    return api_pb2.ParameterSpec(name=name, parameter_type=api_pb2.CATEGORICAL, feasible_space=api_pb2.FeasibleSpace(list=values))


def integer(name, lo, hi, step="1"):
    return api_pb2.ParameterSpec(name=name, parameter_type=api_pb2.INT, feasible_space=api_pb2.FeasibleSpace(min=lo, max=hi, step=step))


ENAS_OPS = [op("convolution", categorical("filter_size", ["3", "5"]), categorical("num_filter", ["32", "64"])),
            op("reduction", categorical("reduction_type", ["max_pooling", "avg_pooling"]), integer("pool_size", "2", "3"))]
DARTS_OPS = [op("separable_convolution", categorical("filter_size", ["3"])),
             op("dilated_convolution", categorical("filter_size", ["3", "5"])), op("skip_connection")]


def nas_experiment(algorithm, ops, layers=4, settings=(), inputs=(32, 32, 3), outputs=(10,)):
    return api_pb2.Experiment(name=f"nas-{algorithm}", spec=api_pb2.ExperimentSpec(
        objective=api_pb2.ObjectiveSpec(type=api_pb2.MAXIMIZE, objective_metric_name="Validation-Accuracy"),
        algorithm=api_pb2.AlgorithmSpec(algorithm_name=algorithm, algorithm_settings=[
            api_pb2.AlgorithmSetting(name=k, value=v) for k, v in settings]),
        parallel_trial_count=3, max_trial_count=12,
        nas_config=api_pb2.NasConfig(graph_config=api_pb2.GraphConfig(num_layers=layers, input_sizes=list(inputs),
                                                                      output_sizes=list(outputs)),
                                     operations=api_pb2.NasConfig.Operations(operation=ops))))


def katib_parse(text):
    return json.loads(text.replace("'", '"'))


def test_darts_assignments_parse_as_the_trial_image_does(stub):
    exp = nas_experiment("darts", DARTS_OPS, settings=[("num_epochs", "2"), ("batch_size", "None")])
    stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10)
    reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=2), timeout=10)
    assert len(reply.parameter_assignments) == 2
    a = {x.name: x.value for x in reply.parameter_assignments[0].assignments}
    settings = katib_parse(a["algorithm-settings"])
    assert settings["num_epochs"] == 2 and settings["batch_size"] is None and settings["w_lr"] == 0.025
    assert list(settings)[0] == "num_epochs" and len(settings) == 14
    assert katib_parse(a["search-space"]) == ["separable_convolution_3x3", "dilated_convolution_3x3",
                                              "dilated_convolution_5x5", "skip_connection"]
    assert int(a["num-layers"]) == 4


def test_enas_learns_nothing_yet_but_samples_valid_architectures(stub):
    exp = nas_experiment("enas", ENAS_OPS)
    reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=3), timeout=30)
    assert len(reply.parameter_assignments) == 3
    trials = []
    for i, pa in enumerate(reply.parameter_assignments):
        a = {x.name: x.value for x in pa.assignments}
        arc = katib_parse(a["architecture"])
        config = katib_parse(a["nn_config"])
        assert len(arc) == 4 and [len(layer) for layer in arc] == [1, 2, 3, 4]
        assert config["num_layers"] == 4 and config["input_sizes"] == [32, 32, 3] and config["output_sizes"] == [10]
        for layer in arc:
            entry = config["embedding"][str(layer[0])]
            assert entry["opt_id"] == layer[0] and entry["opt_type"] in ("convolution", "reduction")
            if entry["opt_type"] == "reduction":
                assert entry["opt_params"]["pool_size"] in (2, 3)
        trials.append(api_pb2.Trial(
            name=f"enas-t{i}", spec=api_pb2.TrialSpec(parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(
                assignments=pa.assignments)),
            status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.SUCCEEDED, observation=api_pb2.Observation(
                metrics=[api_pb2.Metric(name="Validation-Accuracy", value=str(0.5 + i / 10))]))))
    req = api_pb2.GetSuggestionsRequest(experiment=exp, trials=trials, current_request_number=2)
    first = stub.GetSuggestions(req, timeout=30)
    assert len(first.parameter_assignments) == 2
    assert stub.GetSuggestions(req, timeout=30) == first


@pytest.mark.parametrize("algorithm,ops,kwargs,fragment", [
    ("enas", ENAS_OPS, {"inputs": ()}, "InputSizes"),
    ("enas", ENAS_OPS, {"layers": 0}, "NumLayers"),
    ("enas", [op("convolution")], {}, "Missing ParameterConfigs"),
    ("darts", [op("convolution", categorical("filter_size", []))], {}, "Missing List"),
    ("enas", [op("dropout", api_pb2.ParameterSpec(name="p", parameter_type=api_pb2.DOUBLE,
                                                 feasible_space=api_pb2.FeasibleSpace(min="0.1", max="0.5")))], {}, "Step parameter"),
    ("enas", ENAS_OPS, {"settings": [("controller_hidden_size", "0")]}, "controller_hidden_size"),
    ("darts", DARTS_OPS, {"settings": [("num_epochs", "0")]}, "num_epochs"),
    ("darts", DARTS_OPS, {"settings": [("typo", "1")]}, "unknown setting typo"),
])
def test_nas_validation_is_invalid_argument(stub, algorithm, ops, kwargs, fragment):
    exp = nas_experiment(algorithm, ops, **kwargs)
    for call in (lambda: stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=10),
                 lambda: stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=1), timeout=10)):
        with pytest.raises(grpc.RpcError) as info:
            call()
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert fragment in info.value.details()
