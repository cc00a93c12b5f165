# syntax=docker/dockerfile:1
# GuideOps Chat Node image: multi-stage build on Debian 12, runtime as uid 1000 on a read-only root fs.
#   docker build -t ghcr.io/guideops/chatnode:0.1.0 .
# scripts/test-helm.sh checks that the builder installs the same packages as scripts/install-deps.sh
# and builds the same way as scripts/run.sh (tools/helm-render/check_dockerfile.py).

ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---- build ---------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential \
      cmake \
      pkg-config \
      libcaf-dev \
      libboost1.81-dev \
      libhiredis-dev \
      rapidjson-dev \
      prometheus-cpp-dev \
      libssl-dev \
      libcrypt-dev \
      libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCHAT_BUILD_TESTS=OFF \
 && cmake --build build/release --target chatnode --parallel "$(nproc)" \
 && cmake --install build/release --prefix /opt/chatnode \
 && test -x /opt/chatnode/bin/chatnode \
 && test -d /opt/chatnode/share/chatnode/web

# ---- the web client's third-party browser code (npm, locked by web-deps/package-lock.json) --------
# scripts/web-deps.sh: npm ci, then markdown-it's browser build into web/vendor/ (never in git).
FROM ${DEBIAN_IMAGE} AS web-deps
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY web-deps/package.json web-deps/package-lock.json web-deps/
COPY scripts/web-deps.sh scripts/
RUN mkdir web && scripts/web-deps.sh && test -s web/vendor/markdown-it.min.js

# ---- runtime -------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="chatnode" \
      org.opencontainers.image.description="GuideOps Chat Node: horizontally scalable real-time chat server" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# Runtime libraries of the -dev packages above (Boost and RapidJSON are header-only).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcaf-core0.17 \
      libhiredis0.14 \
      libprometheus-cpp-core1.0 \
      libssl3 \
      libcrypt1 \
      libjemalloc2 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 1000 chat \
 && useradd --system --uid 1000 --gid 1000 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin chat
COPY --from=build /opt/chatnode /opt/chatnode
COPY --from=web-deps /src/web/vendor /opt/chatnode/share/chatnode/web/vendor
# The node writes nothing outside /tmp, so the root filesystem can be mounted read-only.
ENV CHAT_WEB_ROOT=/opt/chatnode/share/chatnode/web
USER 1000:1000
WORKDIR /tmp
# 8080: client (HTTP API, web client, WebSocket /ws, SSE /stream); 9090: internal (/livez /readyz /metrics).
EXPOSE 8080 9090
# SIGTERM starts the drain: readiness 503, clients told to reconnect in batches, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/chatnode/bin/chatnode"]
