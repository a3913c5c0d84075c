# Two images from one build (see README, "Deploy"):
#   docker build --target suggestion     -t REGISTRY/katib-suggestion-swift:TAG .
#   docker build --target early-stopping -t REGISTRY/katib-earlystopping-swift:TAG .
# or both with scripts/build-images.sh REGISTRY TAG.
#
# The runtime stage is distroless (no shell, no package manager): glibc, libstdc++, libgcc_s and
# OpenSSL come with it; the Swift standard library is linked statically; nghttp2, protobuf-c, libyaml
# (for `tune`) (and OpenSSL again, so the binary's build-time versions are the ones present) are copied in from
# the build stage. scripts/binary-report.sh builds the same binary outside Docker and checks that
# nothing else is needed.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler libssl-dev libyaml-dev pkg-config binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY proto proto
COPY Sources Sources
RUN swift build -c release --product suggestion-server --static-swift-stdlib \
 && install -D -m 0755 .build/release/suggestion-server /out/usr/local/bin/suggestion-server \
 && strip /out/usr/local/bin/suggestion-server \
 && multiarch="$(uname -m)-linux-gnu" \
 && mkdir -p "/out/usr/lib/${multiarch}" \
 && for lib in libnghttp2.so.14 libprotobuf-c.so.1 libssl.so.3 libcrypto.so.3 libyaml-0.so.2; do \
      cp -L "/usr/lib/${multiarch}/${lib}" "/out/usr/lib/${multiarch}/${lib}"; \
    done \
 && /out/usr/local/bin/suggestion-server --help >/dev/null

# Katib's suggestion container: serves every algorithm on 6789; Katib appends the katib-config
# entry's `args` (e.g. --algorithms random). It never binds 6788, which the early-stopping
# container of the same pod uses.
FROM ${RUNTIME_IMAGE} AS suggestion
COPY --from=build /out/ /
USER 65532:65532
EXPOSE 6789
ENTRYPOINT ["/usr/local/bin/suggestion-server"]

# Katib's early-stopping container: Katib starts it with no arguments, so the entrypoint itself
# selects the early-stopping service (port 6788).
FROM ${RUNTIME_IMAGE} AS early-stopping
COPY --from=build /out/ /
USER 65532:65532
EXPOSE 6788
ENTRYPOINT ["/usr/local/bin/suggestion-server", "--service", "early-stopping"]
