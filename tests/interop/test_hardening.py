"""Hostile and extreme requests against the real binary over loopback, seen by grpcio: CPU-bound calls
whose deadlines pass must stop (health stays answered, SIGTERM is acted on), error messages stay small
whatever the request held, strings with NUL are refused rather than cut, names cannot forge log lines
or become over-long paths, and the early-stopping service dials only DBManagers it is allowed to."""
import concurrent.futures
import os
import signal
import socket
import subprocess
import time

import grpc
import pytest

from conftest import (BIG, KATIB_RANDOM_PARAMS, Server, api_pb2, api_pb2_grpc, experiment, health_pb2,
                      health_pb2_grpc, param, trial)


def code_of(call):
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code(), info.value.details()


def cpu_seconds(pid):
    """utime + stime of a process, in seconds (Linux /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def heavy_request():
    """bayesianoptimization with 100 results over 420 encoded dimensions and 64 slots: minutes of CPU
    if nothing stops it (every slot runs the acquisition search over the whole model)."""
    params = [param(f"x{i}", api_pb2.DOUBLE, "0", "1") for i in range(20)]
    params.append(param("c", api_pb2.CATEGORICAL, values=[f"v{i}" for i in range(400)]))
    trials = [trial(f"t{k}", [(f"x{i}", str(((k * 7 + i * 13) % 97) / 97)) for i in range(20)] + [("c", f"v{k % 400}")],
                    value=str((k * 37 % 101) / 101)) for k in range(100)]
    return api_pb2.GetSuggestionsRequest(
        experiment=experiment(params, "bayesianoptimization", [("n_initial_points", "5")]),
        trials=trials, current_request_number=64)


def test_calls_past_their_deadline_stop_and_health_and_sigterm_stay_prompt():
    s = Server()
    try:
        with s.channel(BIG) as ch:
            stub = api_pb2_grpc.SuggestionStub(ch)
            health = health_pb2_grpc.HealthStub(ch)
            pool = concurrent.futures.ThreadPoolExecutor(3)
            futures = [pool.submit(stub.GetSuggestions, heavy_request(), timeout=3) for _ in range(3)]
            time.sleep(0.5)
            worst = 0.0
            while not all(f.done() for f in futures):
                start = time.monotonic()
                assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
                worst = max(worst, time.monotonic() - start)
                time.sleep(0.2)
            assert worst < 1.0, f"a health check took {worst:.2f} s while samplers were busy"
            for f in futures:
                assert f.exception() is not None and f.exception().code() == grpc.StatusCode.DEADLINE_EXCEEDED
            # The work stopped with the deadline: the process is (nearly) idle a moment later.
            time.sleep(0.5)
            before = cpu_seconds(s.proc.pid)
            time.sleep(2)
            spent = cpu_seconds(s.proc.pid) - before
            assert spent < 0.5, f"the server used {spent:.2f} s of CPU in 2 s after every deadline had passed"
            reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
                experiment=experiment(KATIB_RANDOM_PARAMS), current_request_number=1), timeout=5)
            assert len(reply.parameter_assignments) == 1
            # SIGTERM while heavy calls run: drained within the grace period (10 s), exit 0.
            busy = [pool.submit(stub.GetSuggestions, heavy_request(), timeout=60) for _ in range(3)]
            time.sleep(0.5)
            start = time.monotonic()
            assert s.stop(timeout=15) == 0
            assert time.monotonic() - start < 12
            for f in busy:
                assert f.exception() is not None
    finally:
        s.stop()


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    assert s.stop() == 0


@pytest.mark.parametrize("size", [10_000, 1_000_000])
def test_error_messages_stay_small_whatever_the_request_held(server, size):
    exp = experiment(KATIB_RANDOM_PARAMS, settings=[("random_state", "7" * size)])
    with server.channel(BIG) as ch:
        start = time.monotonic()
        code, details = code_of(lambda: api_pb2_grpc.SuggestionStub(ch).ValidateAlgorithmSettings(
            api_pb2.ValidateAlgorithmSettingsRequest(experiment=exp), timeout=20))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "random_state" in details and "cut" in details
    assert len(details.encode()) <= 1024
    assert time.monotonic() - start < 10


def test_strings_with_nul_are_refused_not_cut(server):
    exp = experiment([param("n", api_pb2.CATEGORICAL, values=["3\x00", "4"])])
    with server.channel() as ch:
        code, details = code_of(lambda: api_pb2_grpc.SuggestionStub(ch).GetSuggestions(
            api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=1), timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "NUL" in details


def test_a_newline_in_a_name_cannot_forge_a_log_line(server):
    exp = experiment(KATIB_RANDOM_PARAMS, name="x\n2026-01-01T00:00:00Z FORGED status=OK")
    with server.channel() as ch:
        api_pb2_grpc.SuggestionStub(ch).GetSuggestions(
            api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=1), timeout=10)
    lines = server.wait_for_log("FORGED").splitlines()
    assert not any(line.startswith("2026-01-01T00:00:00Z FORGED") for line in lines)
    assert any("x\\n2026-01-01T00:00:00Z FORGED" in line for line in lines)


def test_pbt_experiment_names_too_long_for_a_path_are_invalid_argument(tmp_path):
    s = Server("--pbt-data-dir", str(tmp_path))
    try:
        exp = experiment([param("lr", api_pb2.DOUBLE, "0.01", "0.1")], "pbt", name="e" * 300, settings=[
            ("suggestion_trial_dir", "/var/log/katib/checkpoints/"), ("n_population", "5"), ("truncation_threshold", "0.2")])
        with s.channel() as ch:
            code, details = code_of(lambda: api_pb2_grpc.SuggestionStub(ch).GetSuggestions(
                api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=2), timeout=10))
        assert code == grpc.StatusCode.INVALID_ARGUMENT and "253" in details
        assert list(tmp_path.iterdir()) == []
    finally:
        assert s.stop() == 0


def test_early_stopping_dials_no_dbmanager_outside_its_allow_list():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.5)
    address = f"127.0.0.1:{listener.getsockname()[1]}"
    s = Server("--service", "early-stopping")
    try:
        exp = api_pb2.Experiment(name="es", spec=api_pb2.ExperimentSpec(
            objective=api_pb2.ObjectiveSpec(type=api_pb2.MAXIMIZE, objective_metric_name="accuracy"),
            early_stopping=api_pb2.EarlyStoppingSpec(algorithm_name="medianstop")))
        trials = [api_pb2.Trial(name=f"t{i}", status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.SUCCEEDED)) for i in range(3)]
        with s.channel() as ch:
            code, details = code_of(lambda: api_pb2_grpc.EarlyStoppingStub(ch).GetEarlyStoppingRules(
                api_pb2.GetEarlyStoppingRulesRequest(experiment=exp, trials=trials, db_manager_address=address), timeout=10))
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert "not allowed" in details and "katib-db-manager" in details
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()
        assert s.stop() == 0


def test_a_stalled_reader_of_standard_error_blocks_no_call(tmp_path):
    """Standard error is a pipe nobody reads (a stuck log collector): 60,000 logged calls, most of
    them answered on the event loop, overflow the pipe and the log buffer; calls and health checks
    still answer, the overflow is counted once the reader returns, and SIGTERM still exits."""
    from conftest import BINARY, free_port
    port = free_port()
    proc = subprocess.Popen([BINARY, "--host", "127.0.0.1", "--port", str(port), "--event-loops", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
                    health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
                break
            except grpc.RpcError:
                assert time.monotonic() < deadline, "server did not become healthy"
                time.sleep(0.1)
        body = api_pb2.GetSuggestionsRequest(experiment=experiment(KATIB_RANDOM_PARAMS), current_request_number=1)
        (tmp_path / "body").write_bytes(b"\x00" + body.ByteSize().to_bytes(4, "big") + body.SerializeToString())
        load = subprocess.run(["h2load", "-n", "60000", "-c", "2", "-m", "16", "-t", "1", "-H", "content-type: application/grpc",
                               "-H", "te: trailers", "-d", str(tmp_path / "body"),
                               f"http://127.0.0.1:{port}/api.v1.beta1.Suggestion/GetSuggestions"],
                              capture_output=True, text=True, timeout=120)
        assert "60000 succeeded" in load.stdout, load.stdout
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            start = time.monotonic()
            health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
            trials = [trial("t1", [("lr", "0.02"), ("momentum", "0.6"), ("num-layers", "3"), ("optimizer", "sgd")], value="0.5")]
            reply = api_pb2_grpc.SuggestionStub(ch).GetSuggestions(api_pb2.GetSuggestionsRequest(
                experiment=experiment(KATIB_RANDOM_PARAMS), trials=trials, current_request_number=2), timeout=5)
            assert len(reply.parameter_assignments) == 2
            assert time.monotonic() - start < 2
        # The reader returns: what fitted is written, then the count of what did not.
        proc.send_signal(signal.SIGTERM)
        out = proc.stderr.read().decode(errors="replace")
        assert proc.wait(timeout=15) == 0
        assert "log lines dropped: standard error was not read fast enough" in out
        assert out.count("GetSuggestions algorithm=random") >= 25000, "the 4 MiB buffer and the pipe hold the first lines"
        # Lifecycle lines are kept however full the buffer was; the drop count may come after them.
        assert "suggestion-server: signal 15, draining in-flight calls" in out
        assert "suggestion-server: stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
