"""Deployment files: every manifest parses and validates against the Kubernetes schemas
(kubernetes-validate, pinned), kustomize builds render when a kustomize is installed (otherwise every
file a kustomization names must exist), the generated manifests are fresh, the facts Katib relies on
hold, and every example Experiment is accepted by the real server binary."""
import pathlib
import re
import shutil
import subprocess
import sys

import grpc
import kubernetes_validate
import pytest
import yaml

from conftest import BINARY, ROOT, Server, api_pb2, api_pb2_grpc, health_pb2, health_pb2_grpc

MANIFESTS = ROOT / "manifests"
K8S_VERSION = "1.31.0"
BUILTIN_GROUPS = ("v1", "apps/v1", "policy/v1", "autoscaling/v2", "rbac.authorization.k8s.io/v1", "batch/v1",
                  "networking.k8s.io/v1")


def yaml_files():
    return sorted(p for p in MANIFESTS.rglob("*.yaml"))


def documents(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def kustomize_command():
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def kustomizations():
    return sorted(p.parent for p in MANIFESTS.rglob("kustomization.yaml"))


def served(*extra):
    out = subprocess.run([BINARY, *extra, "--list-algorithms"], check=True, capture_output=True, text=True).stdout
    return out.split()


KATIB_VERSIONS = ["v0.17", "v0.18", "v0.19"]


def katib_config(version):
    return yaml.safe_load((MANIFESTS / "katib" / version / "katib-config.yaml").read_text())


# The fields of Katib's KatibConfig (pkg/apis/config/v1beta1/types.go, the same in v0.17, v0.18 and
# v0.19) and of the Kubernetes types it embeds, for a strict decode: a field Katib does not have is
# silently dropped by its loader, so a config that carries one does not do what it says.
CONTAINER = {"name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "resizePolicy",
             "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe",
             "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext",
             "stdin", "stdinOnce", "tty"}
RESOURCES = {"limits": None, "requests": None, "claims": None}
SECURITY = {"capabilities": {"add": None, "drop": None}, "privileged": None, "seLinuxOptions": None, "windowsOptions": None,
            "runAsUser": None, "runAsGroup": None, "runAsNonRoot": None, "readOnlyRootFilesystem": None,
            "allowPrivilegeEscalation": None, "procMount": None, "seccompProfile": {"type": None, "localhostProfile": None},
            "appArmorProfile": None}
PVC_SPEC = {"accessModes": None, "selector": None, "resources": RESOURCES, "volumeName": None, "storageClassName": None,
            "volumeMode": None, "dataSource": None, "dataSourceRef": None, "volumeAttributesClassName": None}
SUGGESTION = {**{f: None for f in CONTAINER}, "resources": RESOURCES, "securityContext": SECURITY, "algorithmName": None,
              "serviceAccountName": None, "volumeMountPath": None, "persistentVolumeClaimSpec": PVC_SPEC,
              "persistentVolumeSpec": None, "persistentVolumeLabels": None}
KATIB_CONFIG = {
    "apiVersion": None, "kind": None,
    "init": {"controller": {"experimentSuggestionName": None, "metricsAddr": None, "healthzAddr": None,
                            "injectSecurityContext": None, "enableGRPCProbeInSuggestion": None, "trialResources": None,
                            "webhookPort": None, "enableLeaderElection": None, "leaderElectionID": None},
             "certGenerator": {"enable": None, "webhookServiceName": None, "webhookSecretName": None}},
    "runtime": {"suggestions": [SUGGESTION],
                "earlyStoppings": [{"algorithmName": None, "image": None, "imagePullPolicy": None, "resources": RESOURCES}],
                "metricsCollectors": [{"kind": None, "image": None, "imagePullPolicy": None, "resources": RESOURCES,
                                       "waitAllProcesses": None}]},
}


def unknown_fields(value, schema, path="katib-config"):
    """Paths of keys in `value` that `schema` (dicts of known keys; a one-element list for lists;
    None: anything below) does not have."""
    if schema is None:
        return []
    if isinstance(schema, list):
        return [p for i, item in enumerate(value) for p in unknown_fields(item, schema[0], f"{path}[{i}]")]
    out = []
    for key, inner in value.items():
        if key not in schema:
            out.append(f"{path}.{key}")
        else:
            out += unknown_fields(inner, schema[key], f"{path}.{key}")
    return out


def memory_mib(text):
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    number, unit = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", text).groups()
    return int(number) * units[unit]


# ---------- parsing and schemas ----------

@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_manifest_parses_and_builtin_kinds_validate(path):
    docs = documents(path)
    assert docs, f"{path} is empty"
    for doc in docs:
        if doc.get("apiVersion") in BUILTIN_GROUPS and doc.get("kind"):
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize("directory", kustomizations(), ids=lambda p: str(p.relative_to(ROOT)))
def test_kustomization_renders_and_validates(directory):
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    for entry in spec.get("resources", []):
        assert (directory / entry).exists(), f"{directory}: resource {entry} does not exist"
    for generator in spec.get("configMapGenerator", []):
        for f in generator.get("files", []):
            assert (directory / f).exists(), f"{directory}: file {f} does not exist"
    command = kustomize_command()
    if command is None:
        pytest.skip("no kustomize or kubectl on this machine: file references checked only")
    rendered = subprocess.run([*command, str(directory)], check=True, capture_output=True, text=True).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    assert docs
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_generated_manifests_are_fresh():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate-manifests.py"), "--binary", BINARY, "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------- what Katib relies on ----------

@pytest.mark.parametrize("version", KATIB_VERSIONS)
def test_katib_config_decodes_strictly_as_katib_reads_it(version):
    assert unknown_fields(katib_config(version), KATIB_CONFIG) == []
    # The check itself catches what it is for.
    assert unknown_fields({"runtime": {"suggestions": [{"algorithmName": "x", "podSecurityContext": {}}]}}, KATIB_CONFIG) == [
        "katib-config.runtime.suggestions[0].podSecurityContext"]


# What each Katib version's default katib-config holds besides suggestions and early stopping, as
# its manifests (installs/katib-standalone) ship it: the overlay must leave these as they are.
KATIB_DEFAULTS = {
    "v0.17": ("docker.io/kubeflowkatib", "v0.17.0", ["Job.v1.batch", "TFJob.v1.kubeflow.org", "PyTorchJob.v1.kubeflow.org",
                                                      "MPIJob.v1.kubeflow.org", "XGBoostJob.v1.kubeflow.org", "MXJob.v1.kubeflow.org"]),
    "v0.18": ("ghcr.io/kubeflow/katib", "v0.18.0", ["Job.v1.batch", "TFJob.v1.kubeflow.org", "PyTorchJob.v1.kubeflow.org",
                                                     "MPIJob.v1.kubeflow.org", "XGBoostJob.v1.kubeflow.org"]),
    "v0.19": ("ghcr.io/kubeflow/katib", "v0.19.0", ["TrainJob.v1alpha1.trainer.kubeflow.org", "Job.v1.batch",
                                                     "TFJob.v1.kubeflow.org", "PyTorchJob.v1.kubeflow.org",
                                                     "MPIJob.v1.kubeflow.org", "XGBoostJob.v1.kubeflow.org"]),
}


@pytest.mark.parametrize("version", KATIB_VERSIONS)
def test_katib_config_keeps_everything_else_as_that_katib_version_ships_it(version):
    registry, tag, kinds = KATIB_DEFAULTS[version]
    config = katib_config(version)
    assert config["init"] == {"certGenerator": {"enable": True}, "controller": {"webhookPort": 8443, "trialResources": kinds}}
    assert config["runtime"]["metricsCollectors"] == [
        {"kind": "StdOut", "image": f"{registry}/file-metrics-collector:{tag}"},
        {"kind": "File", "image": f"{registry}/file-metrics-collector:{tag}"},
        {"kind": "TensorFlowEvent", "image": f"{registry}/tfevent-metrics-collector:{tag}",
         "resources": {"limits": {"memory": "1Gi"}}},
    ]


def test_katib_config_for_another_registry_is_printed_not_edited():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate-manifests.py"), "--binary", BINARY, "--print",
                          "--katib", "v0.18", "--registry", "my.registry/ml", "--tag", "2.0"],
                         capture_output=True, text=True, check=True).stdout
    config = yaml.safe_load(out)
    images = {e["image"] for e in config["runtime"]["suggestions"] + config["runtime"]["earlyStoppings"]}
    assert images == {"my.registry/ml/katib-suggestion-swift:2.0", "my.registry/ml/katib-earlystopping-swift:2.0"}
    assert config["runtime"]["metricsCollectors"] == katib_config("v0.18")["runtime"]["metricsCollectors"]


@pytest.mark.parametrize("version", KATIB_VERSIONS)
def test_katib_config_points_every_served_name_at_our_images(version):
    config = katib_config(version)
    assert config["apiVersion"] == "config.kubeflow.org/v1beta1" and config["kind"] == "KatibConfig"
    entries = {e["algorithmName"]: e for e in config["runtime"]["suggestions"]}
    for name in served():
        entry = entries[name]
        assert entry["image"].endswith("/katib-suggestion-swift:0.1.0"), name
        assert entry["args"] == ["--algorithms", name]
        # The limit must hold a call at the default 64 MiB message cap (benchmarks/memory.py: a call
        # peaks near 11 MiB + 3 x its request) and stay a small fraction of a node.
        assert 11 + 3 * 64 <= memory_mib(entry["resources"]["limits"]["memory"]) <= 256, name
        assert memory_mib(entry["resources"]["requests"]["memory"]) <= 32, name
    # Katib's own names all stay configured (ours or Katib's images).
    for name in ["random", "tpe", "grid", "multivariate-tpe", "bayesianoptimization", "cmaes", "sobol",
                 "hyperband", "pbt", "enas", "darts"]:
        assert name in entries, name
    assert "persistentVolumeClaimSpec" in entries["pbt"]
    stopping = {e["algorithmName"]: e for e in config["runtime"]["earlyStoppings"]}
    assert set(stopping) == set(served("--service", "early-stopping"))
    assert "medianstop" in stopping
    for entry in stopping.values():
        assert entry["image"].endswith("/katib-earlystopping-swift:0.1.0")
        assert "args" not in entry and "command" not in entry, "Katib starts early stopping without arguments"


@pytest.mark.parametrize("version", KATIB_VERSIONS)
def test_katib_config_entries_never_declare_the_suggestion_port(version):
    # Katib's composer adds port 6789 `suggestion-api` itself and rejects entries that declare it.
    for entry in katib_config(version)["runtime"]["suggestions"]:
        for port in entry.get("ports", []):
            assert port.get("containerPort") != 6789 and port.get("name") != "suggestion-api", entry["algorithmName"]


@pytest.mark.parametrize("version", KATIB_VERSIONS)
def test_katib_config_overlay_makes_the_configmap_katib_reads(version):
    spec = yaml.safe_load((MANIFESTS / "katib" / version / "kustomization.yaml").read_text())
    assert spec["namespace"] == "kubeflow"
    generator = spec["configMapGenerator"][0]
    assert generator["name"] == "katib-config" and generator["files"] == ["katib-config.yaml"]
    assert generator["options"]["disableNameSuffixHash"] is True


def dockerfile_targets():
    targets = {}
    current = None
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        m = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.I)
        if m:
            current = m.group(1)
            targets[current] = []
        elif current is not None:
            targets[current].append(line)
    return targets


def test_dockerfile_has_the_two_images_katib_needs():
    text = (ROOT / "Dockerfile").read_text()
    assert "--static-swift-stdlib" in text
    targets = dockerfile_targets()
    assert {"build", "suggestion", "early-stopping"} <= set(targets)
    for name in ("suggestion", "early-stopping"):
        users = [l.split()[1] for l in targets[name] if l.startswith("USER ")]
        assert users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0", f"{name} must run as non-root"
    suggestion_entry = [l for l in targets["suggestion"] if l.startswith("ENTRYPOINT")][0]
    instructions = [l for l in targets["suggestion"] if l.strip() and not l.lstrip().startswith("#")]
    assert "early-stopping" not in suggestion_entry and not any("6788" in l for l in instructions)
    assert "EXPOSE 6789" in instructions
    es_entry = [l for l in targets["early-stopping"] if l.startswith("ENTRYPOINT")][0]
    args = yaml.safe_load(es_entry[len("ENTRYPOINT"):].strip())
    assert args[0] == "/usr/local/bin/suggestion-server"
    # The entrypoint's arguments select the early-stopping service on the real binary.
    assert served(*args[1:]) == served("--service", "early-stopping")


def test_standalone_probes_use_the_health_names_the_server_answers(server):
    deployment = documents(MANIFESTS / "standalone" / "base" / "deployment.yaml")[0]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"][0] == {"name": "suggestion-api", "containerPort": 6789, "protocol": "TCP"}
    names = {container[p]["grpc"]["service"] for p in ("readinessProbe", "livenessProbe")}
    assert names == {"manager.v1beta1.Suggestion"}
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
    assert security["capabilities"]["drop"] == ["ALL"]
    with server.channel() as ch:
        for name in names:
            reply = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_every_served_algorithm_has_a_standalone_overlay():
    overlays = {p.name for p in (MANIFESTS / "standalone" / "algorithms").iterdir()}
    assert overlays == set(served())


# ---------- example Experiments, checked by the real server ----------

TYPES = {"double": api_pb2.DOUBLE, "int": api_pb2.INT, "discrete": api_pb2.DISCRETE, "categorical": api_pb2.CATEGORICAL}
DISTRIBUTIONS = {None: api_pb2.DISTRIBUTION_UNSPECIFIED, "uniform": api_pb2.UNIFORM, "logUniform": api_pb2.LOG_UNIFORM,
                 "normal": api_pb2.NORMAL, "logNormal": api_pb2.LOG_NORMAL}


def to_request(doc):
    """The Experiment as Katib's controller converts it (suggestionclient.go ConvertExperiment)."""
    spec = doc["spec"]
    params = []
    for p in spec.get("parameters", []):
        fs = p["feasibleSpace"]
        params.append(api_pb2.ParameterSpec(name=p["name"], parameter_type=TYPES[p["parameterType"]],
                                            feasible_space=api_pb2.FeasibleSpace(
                                                min=fs.get("min", ""), max=fs.get("max", ""), step=fs.get("step", ""),
                                                list=fs.get("list", []), distribution=DISTRIBUTIONS[fs.get("distribution")])))
    objective = spec["objective"]
    return api_pb2.Experiment(name=doc["metadata"]["name"], spec=api_pb2.ExperimentSpec(
        parameter_specs=api_pb2.ExperimentSpec.ParameterSpecs(parameters=params),
        objective=api_pb2.ObjectiveSpec(type=api_pb2.MINIMIZE if objective["type"] == "minimize" else api_pb2.MAXIMIZE,
                                        goal=objective.get("goal", 0), objective_metric_name=objective["objectiveMetricName"],
                                        additional_metric_names=objective.get("additionalMetricNames", [])),
        algorithm=api_pb2.AlgorithmSpec(algorithm_name=spec["algorithm"]["algorithmName"], algorithm_settings=[
            api_pb2.AlgorithmSetting(name=s["name"], value=s["value"]) for s in spec["algorithm"].get("algorithmSettings", [])]),
        early_stopping=api_pb2.EarlyStoppingSpec(
            algorithm_name=spec.get("earlyStopping", {}).get("algorithmName", ""),
            algorithm_settings=[api_pb2.EarlyStoppingSetting(name=s["name"], value=s["value"])
                                for s in spec.get("earlyStopping", {}).get("algorithmSettings", [])]),
        parallel_trial_count=spec["parallelTrialCount"], max_trial_count=spec["maxTrialCount"],
        nas_config=nas_config(spec.get("nasConfig"))))


def nas_config(nas):
    if not nas:
        return None
    graph = nas["graphConfig"]
    ops = []
    for o in nas["operations"]:
        specs = []
        for p in o.get("parameters", []):
            fs = p["feasibleSpace"]
            specs.append(api_pb2.ParameterSpec(name=p["name"], parameter_type=TYPES[p["parameterType"]],
                                               feasible_space=api_pb2.FeasibleSpace(min=fs.get("min", ""), max=fs.get("max", ""),
                                                                                    step=fs.get("step", ""), list=fs.get("list", []))))
        ops.append(api_pb2.Operation(operation_type=o["operationType"],
                                     parameter_specs=api_pb2.Operation.ParameterSpecs(parameters=specs)))
    return api_pb2.NasConfig(graph_config=api_pb2.GraphConfig(num_layers=graph["numLayers"], input_sizes=graph.get("inputSizes", []),
                                                              output_sizes=graph.get("outputSizes", [])),
                             operations=api_pb2.NasConfig.Operations(operation=ops))


# Katib-ready example Experiments: one per algorithm, and the runnable ones under examples/ that tune runs.
EXAMPLES = sorted((MANIFESTS / "examples").glob("*.yaml")) + sorted((ROOT / "examples").glob("*/experiment.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem if p.stem != "experiment" else p.parent.name)
def test_example_experiment_is_accepted_by_the_server(path, stub):
    doc = documents(path)[0]
    assert doc["apiVersion"] == "kubeflow.org/v1beta1" and doc["kind"] == "Experiment"
    template = doc["spec"]["trialTemplate"]
    names = {p["name"] for p in doc["spec"].get("parameters", [])}
    if "nasConfig" in doc["spec"]:
        names = {"architecture", "nn_config"} if doc["spec"]["algorithm"]["algorithmName"] == "enas" \
            else {"algorithm-settings", "search-space", "num-layers"}
    declared = {t["name"] for t in template["trialParameters"]}
    assert {t["reference"] for t in template["trialParameters"]} <= names
    used = set(re.findall(r"\$\{trialParameters\.([^}]+)\}", yaml.safe_dump(template["trialSpec"])))
    assert used == declared, "every trial parameter is used by the command and every use is declared"
    experiment = to_request(doc)
    stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=experiment), timeout=10)
    count = doc["spec"]["parallelTrialCount"]
    reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
        experiment=experiment, current_request_number=count, total_request_number=count), timeout=10)
    assert len(reply.parameter_assignments) == count


def test_example_early_stopping_settings_are_accepted():
    with_stopping = [documents(p)[0] for p in EXAMPLES if "earlyStopping" in documents(p)[0]["spec"]]
    assert with_stopping
    s = Server("--service", "early-stopping")
    try:
        with s.channel() as ch:
            es = api_pb2_grpc.EarlyStoppingStub(ch)
            for doc in with_stopping:
                es.ValidateEarlyStoppingSettings(api_pb2.ValidateEarlyStoppingSettingsRequest(
                    early_stopping=to_request(doc).spec.early_stopping), timeout=10)
    finally:
        assert s.stop() == 0


def test_image_tags_are_the_binary_version():
    version = subprocess.run([BINARY, "--version"], check=True, capture_output=True, text=True).stdout.split()[-1]
    tags = [(p, kustomization.get("images", [])) for p in kustomizations()
            for kustomization in [yaml.safe_load((p / "kustomization.yaml").read_text())]]
    seen = [(p, image["newTag"]) for p, images in tags for image in images if "newTag" in image]
    assert seen, "the standalone overlays set their image tags"
    for p, tag in seen:
        assert tag == version, f"{p.relative_to(ROOT)}: newTag {tag}, binary version {version}"
    for version_dir in KATIB_VERSIONS:
        for entry in katib_config(version_dir)["runtime"]["suggestions"]:
            if "katib-suggestion-swift" in entry["image"]:
                assert entry["image"].endswith(":" + version)
