#!/usr/bin/env bash
# Installs what building, running and testing need on a fresh Debian (bookworm) machine:
# the Swift toolchain is assumed present; the C libraries (nghttp2, protobuf-c, OpenSSL for the
# early-stopping service's Kubernetes calls, libyaml for `tune`), protoc-c, h2load, the openssl tool,
# Debian's chromium (the test of tune's HTML report opens it headless) and a Python virtual
# environment with grpcio (the independent gRPC client used by the interop tests) are installed here.
# Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler libssl-dev openssl nghttp2-client pkg-config libyaml-dev)
# Only the tests need a browser.
if [ "${1:-}" = "--with-python" ]; then packages+=(chromium); fi
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ! python3 -m venv --help >/dev/null 2>&1; then missing+=(python3 python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--with-python" ]; then
  if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
  # Reinstall whenever the pinned requirements change (the stamp is their checksum).
  want="$(sha256sum tests/interop/requirements.txt | cut -d' ' -f1)"
  if [ "$(cat .venv/.requirements-sha256 2>/dev/null)" != "$want" ]; then
    echo "setup: installing tests/interop/requirements.txt into .venv"
    .venv/bin/pip install -q --disable-pip-version-check -r tests/interop/requirements.txt
    echo "$want" > .venv/.requirements-sha256
  fi
fi
