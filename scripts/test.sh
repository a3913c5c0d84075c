#!/usr/bin/env bash
# Sets up and runs every test that exists so far: generated-code freshness, then the Swift tests
# (gRPC framing and the HTTP/2 server and client on nghttp2 over loopback sockets; search space,
# transform, formatting, history, seeding, random and grid, and the sampler conformance suite).
# The grpcio interop suite (tests/interop) is added to this command when the server binary serves
# the Suggestion service.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== generated code is fresh"
scripts/generate.sh --check

echo "== swift build and unit tests"
swift build
swift test
