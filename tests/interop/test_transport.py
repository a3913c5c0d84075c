"""Transport behaviour seen by an independent client: health, unknown methods, malformed bodies,
deadlines, message caps, big messages, concurrency, hostile peers and graceful shutdown."""
import concurrent.futures
import socket
import subprocess
import time

import grpc
import pytest

from conftest import (BIG, BINARY, KATIB_RANDOM_PARAMS, Server, api_pb2, api_pb2_grpc, experiment, health_pb2,
                      health_pb2_grpc, trial)


def health(channel, service):
    return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=5)


def test_health_answers_the_names_katib_and_kubernetes_use(server):
    with server.channel() as ch:
        for name in ("", "manager.v1beta1.Suggestion", "api.v1.beta1.Suggestion"):
            assert health(ch, name).status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as err:
            health(ch, "no.such.Service")
        assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_unknown_method_is_unimplemented(server):
    with server.channel() as ch:
        call = ch.unary_unary("/api.v1.beta1.Suggestion/NoSuchMethod")
        with pytest.raises(grpc.RpcError) as err:
            call(b"", timeout=5)
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert "NoSuchMethod" in err.value.details()


@pytest.mark.parametrize("body", [b"\xff\xff\xff\xff", b"\x0a\x05abc", b"\x12" + b"\x80" * 11])
def test_malformed_protobuf_is_invalid_argument(server, body):
    with server.channel() as ch:
        call = ch.unary_unary("/api.v1.beta1.Suggestion/GetSuggestions")
        with pytest.raises(grpc.RpcError) as err:
            call(body, timeout=5)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "GetSuggestionsRequest" in err.value.details()


def test_call_without_a_request_message_is_invalid_argument(server):
    # A client-streaming call object lets grpcio half-close without sending any message.
    with server.channel() as ch:
        call = ch.stream_unary("/api.v1.beta1.Suggestion/GetSuggestions")
        with pytest.raises(grpc.RpcError) as err:
            call(iter([]), timeout=5)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "exactly one message" in err.value.details()
        assert health(ch, "").status == health_pb2.HealthCheckResponse.SERVING


def big_request(megabytes, n=1):
    label = "x" * (64 << 10)
    trials = []
    for i in range(megabytes * 16):
        t = trial(f"t{i}", [("lr", "0.02"), ("momentum", "0.6"), ("num-layers", "3"), ("optimizer", "adam")],
                  value=i)
        t.spec.labels["payload"] = label
        trials.append(t)
    return api_pb2.GetSuggestionsRequest(experiment=experiment(KATIB_RANDOM_PARAMS), trials=trials,
                                         current_request_number=n)


def test_fifty_megabyte_request_is_handled(server):
    req = big_request(50, n=2)
    assert req.ByteSize() > 50_000_000
    with server.channel(BIG) as ch:
        reply = api_pb2_grpc.SuggestionStub(ch).GetSuggestions(req, timeout=60)
    assert len(reply.parameter_assignments) == 2


def test_request_over_the_cap_is_resource_exhausted_and_the_server_lives_on():
    s = Server("--max-message-bytes", str(1 << 20))
    try:
        with s.channel(BIG) as ch:
            stub = api_pb2_grpc.SuggestionStub(ch)
            with pytest.raises(grpc.RpcError) as err:
                stub.GetSuggestions(big_request(2), timeout=20)
            assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            ok = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=experiment(KATIB_RANDOM_PARAMS),
                                                                   current_request_number=1), timeout=10)
            assert len(ok.parameter_assignments) == 1
    finally:
        assert s.stop() == 0


def test_deadline_exceeded_then_server_still_serves(server):
    req = big_request(20)
    with server.channel(BIG) as ch:
        stub = api_pb2_grpc.SuggestionStub(ch)
        with pytest.raises(grpc.RpcError) as err:
            stub.GetSuggestions(req, timeout=0.02)
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert health(ch, "").status == health_pb2.HealthCheckResponse.SERVING


def test_many_concurrent_calls_over_several_connections(server):
    req = api_pb2.GetSuggestionsRequest(experiment=experiment(KATIB_RANDOM_PARAMS), current_request_number=2)
    channels = [server.channel() for _ in range(4)]
    try:
        stubs = [api_pb2_grpc.SuggestionStub(ch) for ch in channels]
        futures = [stubs[i % 4].GetSuggestions.future(req, timeout=30) for i in range(800)]
        replies = [f.result() for f in futures]
    finally:
        for ch in channels:
            ch.close()
    assert all(len(r.parameter_assignments) == 2 for r in replies)
    assert len({r.SerializeToString() for r in replies}) == 1, "same request, same reply, on every connection"


def test_hostile_peers_do_not_disturb_good_clients(server):
    socks = []
    try:
        garbage = socket.create_connection(("127.0.0.1", server.port))
        garbage.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)) * 4)
        socks.append(garbage)
        bad_frames = socket.create_connection(("127.0.0.1", server.port))
        bad_frames.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x06\x04\x00\x00\x00\x00\x00"
                           + b"\x00\x03\x00\x00\x00\x64" + b"\xff\xff\xff\x01\x05\x00\x00\x00\x01" + b"\x00" * 64)
        socks.append(bad_frames)
        idle = socket.create_connection(("127.0.0.1", server.port))
        socks.append(idle)
        time.sleep(0.2)
        with server.channel() as ch:
            assert health(ch, "").status == health_pb2.HealthCheckResponse.SERVING
            reply = api_pb2_grpc.SuggestionStub(ch).GetSuggestions(api_pb2.GetSuggestionsRequest(
                experiment=experiment(KATIB_RANDOM_PARAMS), current_request_number=1), timeout=10)
            assert len(reply.parameter_assignments) == 1
    finally:
        for s in socks:
            s.close()


def test_sigterm_finishes_in_flight_calls_and_exits_zero():
    s = Server()
    with s.channel(BIG) as ch:
        stub = api_pb2_grpc.SuggestionStub(ch)
        pool = concurrent.futures.ThreadPoolExecutor(4)
        futures = [pool.submit(stub.GetSuggestions, big_request(8), timeout=60) for _ in range(4)]
        time.sleep(0.3)
        assert s.stop() == 0
        done = [f for f in futures if f.exception() is None]
        for f in futures:
            if f.exception() is not None:
                assert f.exception().code() == grpc.StatusCode.UNAVAILABLE, "refused calls are UNAVAILABLE"
        assert all(len(f.result().parameter_assignments) == 1 for f in done)


def test_malformed_grpc_timeout_is_invalid_argument(server, tmp_path):
    # grpcio never sends a malformed grpc-timeout, so nghttp (Debian's nghttp2-client) sends one.
    body = tmp_path / "health.bin"
    body.write_bytes(b"\x00\x00\x00\x00\x00")
    out = subprocess.run(
        ["nghttp", "-v", "-H", "content-type: application/grpc", "-H", "te: trailers",
         "-H", "grpc-timeout: 5x", "-d", str(body), f"http://{server.address}/grpc.health.v1.Health/Check"],
        capture_output=True, text=True, timeout=10).stdout
    assert "grpc-status: 3" in out, out
    assert 'grpc-timeout "5x" is malformed' in out
    with server.channel() as ch:
        assert health(ch, "").status == health_pb2.HealthCheckResponse.SERVING


def test_a_second_server_on_a_port_in_use_exits_instead_of_sharing_it(server):
    proc = subprocess.run([BINARY, "--host", "127.0.0.1", "--port", str(server.port)], capture_output=True, text=True, timeout=20)
    assert proc.returncode == 1
    assert "address already in use" in proc.stderr
    with server.channel() as ch:
        assert health(ch, "").status == health_pb2.HealthCheckResponse.SERVING


def test_an_oversized_health_request_is_refused_without_being_decoded(server):
    big = health_pb2.HealthCheckRequest(service="x" * 100_000)
    with server.channel(BIG) as ch:
        with pytest.raises(grpc.RpcError) as err:
            health_pb2_grpc.HealthStub(ch).Check(big, timeout=5)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert health(ch, "").status == health_pb2.HealthCheckResponse.SERVING
