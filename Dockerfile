# syntax=docker/dockerfile:1
#
# ipfs-cluster-ts: a drop-in for the ipfs/ipfs-cluster image (same paths, user, ports, entrypoint,
# environment variables and default command). See docs/DEPLOYMENT.md.
#
#   docker build -t ipfs-cluster-ts:latest .
#   docker run -d --name ipfs-cluster -v ~/.ipfs-cluster:/data/ipfs-cluster \
#     -p 9094:9094 -p 9095:9095 -p 9096:9096 ipfs-cluster-ts:latest
#
# Differences from the Go image (all additive): Debian slim + Node.js instead of Alpine + Go binaries,
# setpriv instead of su-exec for the privilege drop, the HTTP APIs listen on 0.0.0.0 by default (ENV
# below), and the Pinning Service API port (9097) and the embedded IPFS node's swarm port (4001) are
# exposed too.

ARG NODE_VERSION=22

# ---- build: TypeScript → JavaScript --------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

# ---- production dependencies only -----------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime ----------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim

ARG VERSION=1.1.6
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="ipfs-cluster-ts" \
      org.opencontainers.image.description="Pinset orchestration for IPFS (TypeScript drop-in for IPFS Cluster v1.1.6)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.base.name="docker.io/library/node:${NODE_VERSION}-bookworm-slim"

# tini as PID 1 (signal forwarding, zombie reaping); setpriv (util-linux) and sh (dash) are already
# in the base image. /sbin/tini is the path of the Go image's entrypoint: kept for `--entrypoint`
# overrides written for it.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends tini ca-certificates; \
    rm -rf /var/lib/apt/lists/*; \
    [ -e /sbin/tini ] || ln -s /usr/bin/tini /sbin/tini; \
    command -v setpriv

# User ipfs, uid 1000, group users (gid 100), home = the data folder, as in the Go image. The Node
# image's own user "node" has uid 1000: it is removed first.
RUN set -eux; \
    if id node >/dev/null 2>&1; then userdel --remove node 2>/dev/null || true; fi; \
    if getent group node >/dev/null; then groupdel node; fi; \
    useradd --uid 1000 --gid users --home-dir /data/ipfs-cluster --no-create-home --shell /bin/sh ipfs; \
    mkdir -p /data/ipfs-cluster; \
    chown ipfs:users /data/ipfs-cluster

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY package.json ./
COPY bin ./bin
COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh
RUN set -eux; \
    chmod 0755 /usr/local/bin/entrypoint.sh /app/bin/*; \
    for b in ipfs-cluster-service ipfs-cluster-ctl ipfs-cluster-follow; do \
      ln -s "/app/bin/$b" "/usr/local/bin/$b"; \
    done

# The HTTP APIs listen on all interfaces inside the container, so that `-p 9094:9094` works
# (the defaults in service.json are 127.0.0.1, which a published port cannot reach). These are
# ordinary CLUSTER_* overrides: they are written into service.json by the first init and applied
# again on every start, so they win over the file; override them with -e to change the addresses.
# MALLOC_ARENA_MAX=2: fewer glibc malloc arenas for LevelDB's and libuv's threads; a peer catching
# up on a million pins peaked about 100 MiB lower with it (docs/BENCHMARKS.md). The bin/ launchers
# also default to it (with MALLOC_MMAP_THRESHOLD_=131072 and an 8 MiB V8 semi-space).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    IPFS_CLUSTER_PATH=/data/ipfs-cluster \
    IPFS_CLUSTER_CONSENSUS=crdt \
    CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS=/ip4/0.0.0.0/tcp/9094 \
    CLUSTER_IPFSPROXY_LISTENMULTIADDRESS=/ip4/0.0.0.0/tcp/9095 \
    CLUSTER_PINSVCAPI_HTTPLISTENMULTIADDRESS=/ip4/0.0.0.0/tcp/9097

# 9094 REST API, 9095 IPFS proxy, 9096 cluster swarm, 9097 Pinning Service API, 4001 embedded IPFS swarm
EXPOSE 9094 9095 9096 9097 4001
VOLUME /data/ipfs-cluster

# Runs as root only until the entrypoint has switched to the user ipfs.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/entrypoint.sh"]
CMD ["daemon"]
