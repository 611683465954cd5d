# syntax=docker/dockerfile:1
#
# Marquee: one image, three entry points (same code, same dependencies):
#   API (default)        docker run IMAGE                               → node dist/main.js
#   ingestion worker     docker run --no-healthcheck IMAGE dist/cli/ingest-worker.js
#   retraining job       docker run --no-healthcheck IMAGE dist/cli/retrain.js
# Kubernetes sets `command` per workload instead (k8s/base).
#
# Runs as uid 10001 on a read-only root filesystem: the process writes only to
# DATA_DIR (/data) and /tmp, which the orchestrator mounts writable.
#
# The base is pinned to an exact Node release on an exact Debian release; the
# release workflow additionally resolves it to a digest (see docs/deployment.md).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- production dependencies only ------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency code runs at build time; Marquee talks to
# PostgreSQL through driver adapters, so Prisma needs no downloaded engine.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

# ---- build: full toolchain, compile TypeScript -----------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY src ./src
# The typed client (CommonJS + declarations) the CLIs that call the service import from ../packages/client.
COPY packages/client ./packages/client
# prebuild generates the Prisma client into src/generated; tsc emits dist/.
RUN npm run build

# ---- runtime ---------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX=2: glibc gives each thread that mallocs (request thread, Kafka client
# thread, libuv pool, V8 helpers) an arena of its own, and freed memory stays in them;
# two arenas kept the serving process ~40 MB smaller at 1,000 req/s, CPU within the
# run-to-run noise (bench/results/serve-ab.md, "malloc arenas").
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    PORT=8082 \
    DATA_DIR=/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Owned by root, read-only for the app user: the code cannot be modified at run time.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/packages/client ./packages/client
COPY package.json ./
# Read at run time: SQL migrations, the compiled promotion policy and RBAC model.
COPY prisma/migrations ./prisma/migrations
COPY policies/dist ./policies/dist
COPY policies/promotion/data.json ./policies/promotion/data.json
COPY policies/rbac ./policies/rbac
RUN mkdir -p /data /app/audits \
  && chown 10001:10001 /data /app/audits
USER 10001:10001
EXPOSE 8082
VOLUME ["/data"]
# Liveness for plain Docker/Compose (Kubernetes uses its own probes on /healthz, /readyz).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8082)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself (src/app.factory.ts: drain, close, exit).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["dist/main.js"]
