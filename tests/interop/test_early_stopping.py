"""The early-stopping service (suggestion-server --service early-stopping) called by Python grpcio as
Katib's controller and metrics collector call it, with a real grpcio DBManager serving observation
logs and an HTTPS server with a test CA standing in for the Kubernetes API."""
import http.server
import json
import pathlib
import queue
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from concurrent import futures

import grpc
import pytest

from conftest import BINARY, Server, api_pb2, api_pb2_grpc, free_port, health_pb2, health_pb2_grpc

TOKEN = "test-token-7d1f"
NAMESPACE = "team-a"


# ---------- a DBManager that serves observation logs from a dict ----------

class DBManager(api_pb2_grpc.DBManagerServicer):
    def __init__(self):
        self.logs = {}          # trial name -> [(metric name, value)]
        self.requests = []

    def GetObservationLog(self, request, context):
        self.requests.append((request.trial_name, request.metric_name))
        entries = [api_pb2.MetricLog(time_stamp=f"2026-01-01T00:00:{i:02d}Z",
                                     metric=api_pb2.Metric(name=name, value=value))
                   for i, (name, value) in enumerate(self.logs.get(request.trial_name, []))
                   if name == request.metric_name]
        return api_pb2.GetObservationLogReply(observation_log=api_pb2.ObservationLog(metric_logs=entries))


@pytest.fixture(scope="module")
def dbmanager():
    db = DBManager()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    api_pb2_grpc.add_DBManagerServicer_to_server(db, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    db.address = f"127.0.0.1:{port}"
    yield db
    server.stop(0)


# ---------- an HTTPS "Kubernetes API" with a test CA ----------

def make_certificates(directory):
    d = pathlib.Path(directory)

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
        "-keyout", str(d / "ca.key"), "-out", str(d / "ca.crt"))
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kubernetes", "-keyout", str(d / "server.key"),
        "-out", str(d / "server.csr"))
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", str(d / "server.csr"), "-CA", str(d / "ca.crt"), "-CAkey", str(d / "ca.key"),
        "-CAcreateserial", "-days", "2", "-extfile", str(d / "san.ext"), "-out", str(d / "server.crt"))
    # A second CA that signed nothing the server presents.
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other-ca",
        "-keyout", str(d / "other.key"), "-out", str(d / "other.crt"))
    (d / "token").write_text(TOKEN + "\n")
    return d


class FakeKubernetes:
    """Trials in a dict; records every request; `script` holds status codes to answer to the next
    PATCH requests (then the real behaviour: 409 when resourceVersion is stale, else apply)."""

    def __init__(self, certs):
        self.trials = {}
        self.requests = []
        self.patch_script = queue.Queue()
        self.get_script = queue.Queue()
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, code, obj):
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def route(self):
                prefix = f"/apis/kubeflow.org/v1beta1/namespaces/{NAMESPACE}/trials/"
                if not self.path.startswith(prefix):
                    return None, False
                rest = self.path[len(prefix):]
                status = rest.endswith("/status")
                return (rest[:-len("/status")] if status else rest), status

            def do_GET(self):
                with fake.lock:
                    fake.requests.append(("GET", self.path, dict(self.headers), None))
                    scripted = None if fake.get_script.empty() else fake.get_script.get()
                    name, _ = self.route()
                    trial = fake.trials.get(name)
                if scripted == "trickle":
                    # Headers, then one byte every 0.3 s: each read succeeds, the whole never ends.
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
                    for _ in range(100):
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.3)
                    return
                if scripted == "huge-chunk":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                     b"7fffffffffffffff\r\n{}\r\n0\r\n\r\n")
                    return
                if scripted == "big-error":
                    return self.reply(500, {"kind": "Status", "message": "x" * 1_000_000})
                if scripted:
                    return self.reply(scripted, {"kind": "Status", "message": f"scripted {scripted}"})
                if trial is None:
                    return self.reply(404, {"kind": "Status", "message": f'trials.kubeflow.org "{name}" not found'})
                self.reply(200, trial)

            def do_PATCH(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with fake.lock:
                    fake.requests.append(("PATCH", self.path, dict(self.headers), body))
                    scripted = None if fake.patch_script.empty() else fake.patch_script.get()
                    name, status = self.route()
                    trial = fake.trials.get(name)
                    if scripted is None and trial is not None and status:
                        patch = json.loads(body)
                        if patch["metadata"]["resourceVersion"] != trial["metadata"]["resourceVersion"]:
                            scripted = 409
                        else:
                            trial["status"]["conditions"] = patch["status"]["conditions"]
                            trial["metadata"]["resourceVersion"] = str(int(trial["metadata"]["resourceVersion"]) + 1)
                if scripted:
                    if scripted == 409:
                        # A concurrent writer changed the object.
                        with fake.lock:
                            if trial is not None:
                                trial["metadata"]["resourceVersion"] = str(int(trial["metadata"]["resourceVersion"]) + 1)
                    return self.reply(scripted, {"kind": "Status", "message": f"scripted {scripted}"})
                if trial is None:
                    return self.reply(404, {"kind": "Status", "message": "not found"})
                self.reply(200, trial)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certs / "server.crt"), str(certs / "server.key"))
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add_trial(self, name, version="100"):
        with self.lock:
            self.trials[name] = {
                "apiVersion": "kubeflow.org/v1beta1", "kind": "Trial",
                "metadata": {"name": name, "namespace": NAMESPACE, "resourceVersion": version},
                "spec": {"objective": {"type": "maximize"}},
                "status": {"conditions": [
                    {"type": "Created", "status": "True", "reason": "TrialCreated"},
                    {"type": "Running", "status": "True", "reason": "TrialRunning"}]},
            }

    def stop(self):
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def certs():
    with tempfile.TemporaryDirectory(prefix="fake-kube-") as d:
        yield make_certificates(d)


@pytest.fixture(scope="module")
def kube(certs):
    k = FakeKubernetes(certs)
    yield k
    k.stop()


def start_early_stopping(certs, kube_port, ca="ca.crt"):
    return Server("--service", "early-stopping", "--kube-api", f"https://127.0.0.1:{kube_port}",
                  "--kube-token-file", str(certs / "token"), "--kube-ca-file", str(certs / ca),
                  "--kube-namespace", NAMESPACE, "--dbmanager-allow", "*")


@pytest.fixture(scope="module")
def es(certs, kube):
    s = start_early_stopping(certs, kube.port)
    yield s
    assert s.stop() == 0, s.logs()[-2000:]


@pytest.fixture(scope="module")
def es_stub(es):
    with es.channel() as ch:
        yield api_pb2_grpc.EarlyStoppingStub(ch)


def spec(algorithm="medianstop", settings=(), objective=api_pb2.MAXIMIZE, metric="accuracy"):
    return api_pb2.Experiment(name="es-exp", spec=api_pb2.ExperimentSpec(
        objective=api_pb2.ObjectiveSpec(type=objective, objective_metric_name=metric),
        algorithm=api_pb2.AlgorithmSpec(algorithm_name="random"),
        early_stopping=api_pb2.EarlyStoppingSpec(algorithm_name=algorithm, algorithm_settings=[
            api_pb2.EarlyStoppingSetting(name=k, value=v) for k, v in settings])))


def es_trial(name, condition=api_pb2.TrialStatus.SUCCEEDED):
    return api_pb2.Trial(name=name, status=api_pb2.TrialStatus(condition=condition))


def code_of(call):
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code(), info.value.details()


# ---------- health, routing, validation ----------

def test_health_and_routing(es):
    with es.channel() as ch:
        health = health_pb2_grpc.HealthStub(ch)
        for name in ("", "api.v1.beta1.EarlyStopping"):
            assert health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5).status == \
                health_pb2.HealthCheckResponse.SERVING
        code, _ = code_of(lambda: api_pb2_grpc.SuggestionStub(ch).GetSuggestions(
            api_pb2.GetSuggestionsRequest(), timeout=5))
        assert code == grpc.StatusCode.UNIMPLEMENTED


def test_suggestion_server_does_not_serve_early_stopping(server):
    with server.channel() as ch:
        code, _ = code_of(lambda: api_pb2_grpc.EarlyStoppingStub(ch).GetEarlyStoppingRules(
            api_pb2.GetEarlyStoppingRulesRequest(), timeout=5))
        assert code == grpc.StatusCode.UNIMPLEMENTED


def test_validate_accepts_katib_settings(es_stub):
    for algorithm, settings in [("medianstop", []), ("medianstop", [("min_trials_required", "2"), ("start_step", "1")]),
                                ("percentile", [("percentile", "25")]), ("threshold", [("value", "0.1")])]:
        es_stub.ValidateEarlyStoppingSettings(api_pb2.ValidateEarlyStoppingSettingsRequest(
            early_stopping=spec(algorithm, settings).spec.early_stopping), timeout=5)


@pytest.mark.parametrize("algorithm,settings,fragment", [
    ("medianstop", [("min_trials_required", "0")], "min_trials_required"),
    ("medianstop", [("start_step", "x")], "start_step"),
    ("medianstop", [("foo", "1")], "unknown setting foo"),
    ("nope", [], "unknown algorithm name nope"),
    ("threshold", [], "value"),
])
def test_validate_rejects_with_invalid_argument(es_stub, algorithm, settings, fragment):
    code, details = code_of(lambda: es_stub.ValidateEarlyStoppingSettings(
        api_pb2.ValidateEarlyStoppingSettingsRequest(early_stopping=spec(algorithm, settings).spec.early_stopping), timeout=5))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fragment in details


# ---------- rules from the DBManager's logs ----------

def test_median_rule_from_dbmanager_logs(es_stub, dbmanager):
    dbmanager.logs.update({
        "t1": [("accuracy", "0.5"), ("accuracy", "0.75"), ("loss", "9"), ("accuracy", "0.75"), ("accuracy", "0.5"), ("accuracy", "0.99")],
        "t2": [("accuracy", "0.125"), ("accuracy", "0.25")],
        "t3": [("accuracy", "0.875")] * 6,
    })
    dbmanager.requests.clear()
    reply = es_stub.GetEarlyStoppingRules(api_pb2.GetEarlyStoppingRulesRequest(
        experiment=spec(), db_manager_address=dbmanager.address,
        trials=[es_trial("t1"), es_trial("t2"), es_trial("t3"), es_trial("t4", api_pb2.TrialStatus.RUNNING),
                es_trial("t5", api_pb2.TrialStatus.EARLYSTOPPED)]), timeout=30)
    # Per-trial means of the first 4 accuracy values: 0.625, 0.1875, 0.875; median 0.625.
    assert len(reply.early_stopping_rules) == 1
    rule = reply.early_stopping_rules[0]
    assert (rule.name, float(rule.value), rule.comparison, rule.start_step) == ("accuracy", 0.625, api_pb2.LESS, 4)
    assert sorted(dbmanager.requests) == [("t1", "accuracy"), ("t2", "accuracy"), ("t3", "accuracy")]


def test_minimize_gives_greater_and_too_few_trials_give_no_rule(es_stub, dbmanager):
    dbmanager.logs.update({"m1": [("loss", "3")], "m2": [("loss", "1")], "m3": [("loss", "2")]})
    reply = es_stub.GetEarlyStoppingRules(api_pb2.GetEarlyStoppingRulesRequest(
        experiment=spec(objective=api_pb2.MINIMIZE, metric="loss", settings=[("start_step", "1")]),
        db_manager_address=dbmanager.address, trials=[es_trial("m1"), es_trial("m2"), es_trial("m3")]), timeout=30)
    rule = reply.early_stopping_rules[0]
    assert (rule.name, float(rule.value), rule.comparison, rule.start_step) == ("loss", 2.0, api_pb2.GREATER, 1)
    reply = es_stub.GetEarlyStoppingRules(api_pb2.GetEarlyStoppingRulesRequest(
        experiment=spec(objective=api_pb2.MINIMIZE, metric="loss", settings=[("min_trials_required", "4")]),
        db_manager_address=dbmanager.address, trials=[es_trial("m1"), es_trial("m2"), es_trial("m3")]), timeout=30)
    assert list(reply.early_stopping_rules) == []


def test_trials_without_logs_never_block_early_stopping(es, es_stub, dbmanager):
    dbmanager.logs.update({"a1": [("accuracy", "1")], "a2": [("accuracy", "2")], "a3": [("accuracy", "6")]})
    request = api_pb2.GetEarlyStoppingRulesRequest(
        experiment=spec(), db_manager_address=dbmanager.address,
        trials=[es_trial("a1"), es_trial("a2"), es_trial("silent-trial"), es_trial("a3")])
    for _ in range(2):   # every call, not only the first
        reply = es_stub.GetEarlyStoppingRules(request, timeout=30)
        assert [float(r.value) for r in reply.early_stopping_rules] == [2.0]
    assert "silent-trial" in es.wait_for_log("skipped 1 succeeded trial")


def test_unreachable_dbmanager_is_unavailable_naming_the_address(es_stub):
    closed = f"127.0.0.1:{free_port()}"
    start = time.monotonic()
    code, details = code_of(lambda: es_stub.GetEarlyStoppingRules(api_pb2.GetEarlyStoppingRulesRequest(
        experiment=spec(), db_manager_address=closed,
        trials=[es_trial("x1"), es_trial("x2"), es_trial("x3")]), timeout=30))
    assert code == grpc.StatusCode.UNAVAILABLE
    assert closed in details
    assert time.monotonic() - start < 25


@pytest.mark.parametrize("address", ["", "katib-db-manager", "host:port", "a:1:2", "[::1"])
def test_malformed_address_is_invalid_argument(es_stub, address):
    code, details = code_of(lambda: es_stub.GetEarlyStoppingRules(api_pb2.GetEarlyStoppingRulesRequest(
        experiment=spec(), db_manager_address=address, trials=[es_trial("t1")]), timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "db_manager_address" in details


def test_threshold_rule_needs_no_dbmanager(es_stub):
    reply = es_stub.GetEarlyStoppingRules(api_pb2.GetEarlyStoppingRulesRequest(
        experiment=spec("threshold", [("value", "5"), ("metric", "loss"), ("comparison", "greater"), ("start_step", "2")])),
        timeout=10)
    rule = reply.early_stopping_rules[0]
    assert (rule.name, rule.value, rule.comparison, rule.start_step) == ("loss", "5", api_pb2.GREATER, 2)


# ---------- SetTrialStatus against the HTTPS "Kubernetes API" ----------

def test_set_trial_status_patches_the_status_subresource(es_stub, kube):
    kube.add_trial("es-exp-abc")
    kube.requests.clear()
    es_stub.SetTrialStatus(api_pb2.SetTrialStatusRequest(trial_name="es-exp-abc"), timeout=30)
    methods = [(m, p) for m, p, _, _ in kube.requests]
    base = f"/apis/kubeflow.org/v1beta1/namespaces/{NAMESPACE}/trials/es-exp-abc"
    assert methods == [("GET", base), ("PATCH", base + "/status")]
    _, _, headers, body = kube.requests[1]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Content-Type"] == "application/merge-patch+json"
    patch = json.loads(body)
    assert patch["metadata"]["resourceVersion"] == "100"
    conditions = patch["status"]["conditions"]
    assert [c["type"] for c in conditions] == ["Created", "Running", "EarlyStopped"]
    stopped = conditions[-1]
    assert stopped["status"] == "True" and stopped["reason"] == "TrialEarlyStopped"
    for key in ("lastUpdateTime", "lastTransitionTime"):
        stamp = time.strptime(stopped[key], "%Y-%m-%dT%H:%M:%SZ")
        assert abs(time.mktime(stamp) - time.mktime(time.gmtime())) < 120
    # Idempotent: a second call sees the condition and does not patch again.
    kube.requests.clear()
    es_stub.SetTrialStatus(api_pb2.SetTrialStatusRequest(trial_name="es-exp-abc"), timeout=30)
    assert [m for m, _, _, _ in kube.requests] == ["GET"]


def test_set_trial_status_retries_on_conflict(es_stub, kube):
    kube.add_trial("es-exp-conflict")
    kube.requests.clear()
    kube.patch_script.put(409)
    es_stub.SetTrialStatus(api_pb2.SetTrialStatusRequest(trial_name="es-exp-conflict"), timeout=30)
    assert [m for m, _, _, _ in kube.requests] == ["GET", "PATCH", "GET", "PATCH"]
    assert kube.trials["es-exp-conflict"]["status"]["conditions"][-1]["type"] == "EarlyStopped"


def test_set_trial_status_reports_failures(es_stub, kube):
    code, details = code_of(lambda: es_stub.SetTrialStatus(
        api_pb2.SetTrialStatusRequest(trial_name="no-such-trial"), timeout=30))
    assert code == grpc.StatusCode.NOT_FOUND and "no-such-trial" in details

    kube.add_trial("es-exp-broken")
    kube.patch_script.put(500)
    code, details = code_of(lambda: es_stub.SetTrialStatus(
        api_pb2.SetTrialStatusRequest(trial_name="es-exp-broken"), timeout=30))
    assert code == grpc.StatusCode.UNAVAILABLE and "500" in details

    kube.get_script.put(403)
    code, details = code_of(lambda: es_stub.SetTrialStatus(
        api_pb2.SetTrialStatusRequest(trial_name="es-exp-broken"), timeout=30))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "trials/status" in details

    for _ in range(5):
        kube.patch_script.put(409)
    code, details = code_of(lambda: es_stub.SetTrialStatus(
        api_pb2.SetTrialStatusRequest(trial_name="es-exp-broken"), timeout=30))
    assert code == grpc.StatusCode.ABORTED and "409" in details


@pytest.mark.parametrize("name", ["", "../../secrets", "Upper-Case", "a" * 300])
def test_set_trial_status_rejects_names_that_cannot_be_trials(es_stub, name):
    code, _ = code_of(lambda: es_stub.SetTrialStatus(api_pb2.SetTrialStatusRequest(trial_name=name), timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_untrusted_api_certificate_is_unavailable(certs, kube):
    s = start_early_stopping(certs, kube.port, ca="other.crt")
    try:
        kube.add_trial("es-exp-tls")
        with s.channel() as ch:
            code, details = code_of(lambda: api_pb2_grpc.EarlyStoppingStub(ch).SetTrialStatus(
                api_pb2.SetTrialStatusRequest(trial_name="es-exp-tls"), timeout=30))
        assert code == grpc.StatusCode.UNAVAILABLE and "certificate" in details
        assert kube.trials["es-exp-tls"]["status"]["conditions"][-1]["type"] == "Running"
    finally:
        assert s.stop() == 0


def test_without_kubernetes_access_set_trial_status_is_failed_precondition():
    s = Server("--service", "early-stopping")
    try:
        with s.channel() as ch:
            code, details = code_of(lambda: api_pb2_grpc.EarlyStoppingStub(ch).SetTrialStatus(
                api_pb2.SetTrialStatusRequest(trial_name="t1"), timeout=10))
        assert code == grpc.StatusCode.FAILED_PRECONDITION and "--kube-api" in details
    finally:
        assert s.stop() == 0


def test_early_stopping_listens_on_6788_by_default():
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6788)) == 0:
            pytest.skip("port 6788 is taken on this machine")
    proc = subprocess.Popen([BINARY, "--service", "early-stopping", "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with grpc.insecure_channel("127.0.0.1:6788") as ch:
                    reply = health_pb2_grpc.HealthStub(ch).Check(
                        health_pb2.HealthCheckRequest(service="api.v1.beta1.EarlyStopping"), timeout=1)
                    assert reply.status == health_pb2.HealthCheckResponse.SERVING
                    break
            except grpc.RpcError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) == 0


# ---------- a Kubernetes API that misbehaves ----------

def test_a_trickling_kubernetes_api_cannot_hold_set_trial_status_past_its_deadline(es_stub, kube):
    kube.add_trial("es-exp-trickle")
    kube.get_script.put("trickle")
    start = time.monotonic()
    code, details = code_of(lambda: es_stub.SetTrialStatus(api_pb2.SetTrialStatusRequest(trial_name="es-exp-trickle"), timeout=60))
    elapsed = time.monotonic() - start
    assert code == grpc.StatusCode.UNAVAILABLE and "within 10000 ms" in details, details
    assert elapsed < 14, f"took {elapsed:.1f} s; the exchange's deadline is 10 s"


@pytest.mark.parametrize("script", ["huge-chunk", "big-error"])
def test_hostile_kubernetes_replies_are_errors_with_short_messages(es_stub, kube, script):
    kube.add_trial("es-exp-hostile")
    kube.get_script.put(script)
    code, details = code_of(lambda: es_stub.SetTrialStatus(api_pb2.SetTrialStatusRequest(trial_name="es-exp-hostile"), timeout=30))
    assert code == grpc.StatusCode.UNAVAILABLE
    assert len(details.encode()) <= 1024
    # The service lives on: the next call is answered.
    kube.add_trial("es-exp-after")
    es_stub.SetTrialStatus(api_pb2.SetTrialStatusRequest(trial_name="es-exp-after"), timeout=30)
    assert kube.trials["es-exp-after"]["status"]["conditions"][-1]["type"] == "EarlyStopped"
