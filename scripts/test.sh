#!/usr/bin/env bash
# Sets up and runs every test: generated-code freshness; the Swift tests (gRPC framing, the HTTP/2
# server and client on nghttp2 over loopback, search space, transform, formatting, history, seeding,
# every sampler against the conformance suite, early-stopping rules); then the interop suite, in which
# Python grpcio (an independent gRPC implementation) calls the real suggestion-server binary over
# loopback sockets (suggestions, early stopping with a grpcio DBManager and an HTTPS fake Kubernetes
# API, and the deployment manifests and example Experiments); then the container binary report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-python

echo "== generated code is fresh"
scripts/generate.sh --check

echo "== swift build and unit tests"
swift build
# The transport tests time real sockets and handlers on the Swift task pool; the algorithm tests hold
# that pool's threads with long synchronous loops (closed-loop runs, the fuzz run). Run apart, so
# neither makes the other's timing.
swift test --filter GRPCTransportTests
swift test --skip GRPCTransportTests

echo "== codecs and transport under AddressSanitizer and LeakSanitizer"
scripts/sanitize.sh

echo "== interop: Python grpcio against the real server binary"
SUGGESTION_SERVER="$(swift build --show-bin-path)/suggestion-server" .venv/bin/python -m pytest -q tests/interop

echo "== release binary as the container image builds it: size and shared libraries"
scripts/binary-report.sh

echo "== interop again, against that release binary (optimised code can behave differently)"
SUGGESTION_SERVER=".build-static/release/suggestion-server" .venv/bin/python -m pytest -q tests/interop
