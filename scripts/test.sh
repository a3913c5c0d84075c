#!/usr/bin/env bash
# Sets up and runs every test: generated-code freshness; the Swift tests (gRPC framing, the HTTP/2
# server and client on nghttp2 over loopback, search space, transform, formatting, history, seeding,
# random and grid, and the sampler conformance suite); then the interop suite, in which Python grpcio
# (an independent gRPC implementation) calls the real suggestion-server binary over loopback sockets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-python

echo "== generated code is fresh"
scripts/generate.sh --check

echo "== swift build and unit tests"
swift build
swift test

echo "== codecs and transport under AddressSanitizer and LeakSanitizer"
scripts/sanitize.sh

echo "== interop: Python grpcio against the real server binary"
SUGGESTION_SERVER="$(swift build --show-bin-path)/suggestion-server" .venv/bin/python -m pytest -q tests/interop
