#!/usr/bin/env bash
# Builds both container images with Docker (or any builder that accepts `docker build` arguments,
# e.g. DOCKER=podman). Usage: scripts/build-images.sh REGISTRY [TAG]
#   -> REGISTRY/katib-suggestion-swift:TAG and REGISTRY/katib-earlystopping-swift:TAG
set -euo pipefail
cd "$(dirname "$0")/.."
registry="${1:?usage: scripts/build-images.sh REGISTRY [TAG]}"
tag="${2:-latest}"
docker="${DOCKER:-docker}"
"$docker" build --target suggestion -t "${registry}/katib-suggestion-swift:${tag}" .
"$docker" build --target early-stopping -t "${registry}/katib-earlystopping-swift:${tag}" .
echo "built ${registry}/katib-suggestion-swift:${tag} and ${registry}/katib-earlystopping-swift:${tag}"
