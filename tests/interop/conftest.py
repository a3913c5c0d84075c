"""Interop tests: Python grpcio (an independent gRPC implementation) calls the real
suggestion-server binary over loopback TCP. Stubs are generated from proto/ at test time."""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time

import grpc
import pytest
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[2]
_GEN = tempfile.mkdtemp(prefix="katib-stubs-")
_rc = protoc.main([
    "grpc_tools.protoc", f"-I{ROOT / 'proto'}", f"--python_out={_GEN}", f"--grpc_python_out={_GEN}",
    str(ROOT / "proto" / "api.proto"), str(ROOT / "proto" / "health.proto"),
])
assert _rc == 0, "grpc_tools.protoc failed on proto/"
sys.path.insert(0, _GEN)

import api_pb2  # noqa: E402
import api_pb2_grpc  # noqa: E402
import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402

BINARY = os.environ.get("SUGGESTION_SERVER", str(ROOT / ".build" / "debug" / "suggestion-server"))
BIG = [("grpc.max_send_message_length", 256 << 20), ("grpc.max_receive_message_length", 256 << 20)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The real binary on a free loopback port; stops it with SIGTERM and records the exit code."""

    def __init__(self, *args):
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="suggestion-server-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [BINARY, "--host", "127.0.0.1", "--port", str(self.port), "--event-loops", "2", *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            assert self.proc.poll() is None, f"server exited early: {self.logs()}"
            try:
                with grpc.insecure_channel(self.address) as ch:
                    status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if status.status == health_pb2.HealthCheckResponse.SERVING:
                        break
            except grpc.RpcError:
                pass
            assert time.monotonic() < deadline, f"server did not become healthy: {self.logs()}"
            time.sleep(0.1)

    def channel(self, options=()):
        return grpc.insecure_channel(self.address, options=list(options))

    def logs(self):
        self.log.flush()
        return pathlib.Path(self.log.name).read_text(errors="replace")

    def wait_for_log(self, text, timeout=10):
        """The logs once they contain `text` (lines are written by the server's log thread, a moment
        after the call they describe has answered)."""
        deadline = time.monotonic() + timeout
        while text not in self.logs():
            assert time.monotonic() < deadline, f"no log line with {text!r}: {self.logs()[-2000:]}"
            time.sleep(0.05)
        return self.logs()

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server did not stop within the grace period after SIGTERM")
        return self.proc.returncode


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    code = s.stop()
    assert code == 0, f"server exited with {code} after SIGTERM: {s.logs()[-2000:]}"


@pytest.fixture(scope="session")
def stub(server):
    with server.channel(BIG) as ch:
        yield api_pb2_grpc.SuggestionStub(ch)


# ---------- request builders, shaped like Katib's controller builds them ----------

def param(name, ptype, lo=None, hi=None, step=None, values=None, dist=api_pb2.UNIFORM):
    fs = api_pb2.FeasibleSpace(distribution=dist)
    if lo is not None:
        fs.min = str(lo)
    if hi is not None:
        fs.max = str(hi)
    if step is not None:
        fs.step = str(step)
    if values is not None:
        fs.list.extend(values)
    return api_pb2.ParameterSpec(name=name, parameter_type=ptype, feasible_space=fs)


def experiment(params, algorithm="random", settings=(), name="interop-exp", objective=api_pb2.MAXIMIZE,
               metric="accuracy", max_trials=0, parallel=3):
    return api_pb2.Experiment(name=name, spec=api_pb2.ExperimentSpec(
        parameter_specs=api_pb2.ExperimentSpec.ParameterSpecs(parameters=params),
        objective=api_pb2.ObjectiveSpec(type=objective, objective_metric_name=metric),
        algorithm=api_pb2.AlgorithmSpec(algorithm_name=algorithm, algorithm_settings=[
            api_pb2.AlgorithmSetting(name=k, value=v) for k, v in settings]),
        parallel_trial_count=parallel, max_trial_count=max_trials))


def trial(name, assignments, condition=api_pb2.TrialStatus.SUCCEEDED, metric="accuracy", value=None):
    metrics = [] if value is None else [api_pb2.Metric(name=metric, value=str(value))]
    return api_pb2.Trial(
        name=name,
        spec=api_pb2.TrialSpec(parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(
            assignments=[api_pb2.ParameterAssignment(name=k, value=v) for k, v in assignments])),
        status=api_pb2.TrialStatus(condition=condition, observation=api_pb2.Observation(metrics=metrics)))


def as_dicts(reply):
    return [[(a.name, a.value) for a in pa.assignments] for pa in reply.parameter_assignments]


KATIB_RANDOM_PARAMS = [
    param("lr", api_pb2.DOUBLE, "0.01", "0.05"),
    param("momentum", api_pb2.DOUBLE, "0.5", "0.9"),
    param("num-layers", api_pb2.INT, "2", "5"),
    param("optimizer", api_pb2.CATEGORICAL, values=["sgd", "adam", "ftrl"]),
]
