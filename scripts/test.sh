#!/usr/bin/env bash
# Sets up and runs every test: generated-code freshness, Swift unit and conformance tests, codec tests
# under AddressSanitizer/LeakSanitizer, and interop tests in which Python grpcio calls the real binary
# over loopback sockets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-python

echo "== generated code is fresh"
scripts/generate.sh --check

echo "== swift build and unit tests"
swift build
swift test 2>&1 | tee /tmp/swift-test.log | grep -E --line-buffered '✘|error:|passed|failed|Executed' || true
if grep -qE '✘|error:' /tmp/swift-test.log || ! grep -qE 'Test run with [0-9]+ tests? (in [0-9]+ suites? )?passed' /tmp/swift-test.log; then
  echo "swift test failed; full log in /tmp/swift-test.log"; tail -50 /tmp/swift-test.log; exit 1
fi

echo "== codecs under AddressSanitizer and LeakSanitizer"
scripts/sanitize.sh

echo "== interop: Python grpcio against the real server binary"
SUGGESTION_SERVER="$(swift build --show-bin-path)/suggestion-server" .venv/bin/python -m pytest -q tests/interop
