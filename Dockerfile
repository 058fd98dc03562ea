# syntax=docker/dockerfile:1
# The Tessera authority as a container: built in one stage (a C++ toolchain compiles
# better-sqlite3, tsc compiles the packages), run in another with production dependencies only,
# as an unprivileged user. See docs/container.md.
#
#   docker build -t tessera .
#   docker run --rm -p 127.0.0.1:7070:7070 -v tessera-data:/data \
#     -e TESSERA_MASTER_KEY="$(openssl rand -base64 32)" tessera
#
# NODE_IMAGE: any Debian-based Node.js 20.19+ image (22 and 24 work too).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY packages/verifier/package.json packages/verifier/
COPY packages/authority/package.json packages/authority/
COPY packages/authority/bin packages/authority/bin
COPY packages/scanner/package.json packages/scanner/
COPY packages/scanner/bin packages/scanner/bin
# --ignore-scripts: the root prepare script builds sources not copied yet; better-sqlite3's
# install script (the native build) runs explicitly right after.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3
COPY tsconfig.base.json ./
COPY scripts scripts
COPY packages packages
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()"

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TESSERA_HOST=0.0.0.0 \
    TESSERA_PORT=7070 \
    TESSERA_DATABASE_URL=/data/tessera.db
RUN groupadd --system --gid 10001 tessera \
 && useradd --system --uid 10001 --gid tessera --home-dir /data --no-create-home tessera \
 && mkdir /data && chown tessera:tessera /data
WORKDIR /app
# Only what runs: manifests, bins, compiled code and production node_modules (owned by root,
# so the process cannot modify its own code).
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages/verifier/package.json packages/verifier/
COPY --from=build /app/packages/verifier/dist packages/verifier/dist
COPY --from=build /app/packages/scanner/package.json packages/scanner/
COPY --from=build /app/packages/scanner/bin packages/scanner/bin
COPY --from=build /app/packages/scanner/dist packages/scanner/dist
COPY --from=build /app/packages/authority/package.json packages/authority/
COPY --from=build /app/packages/authority/bin packages/authority/bin
COPY --from=build /app/packages/authority/dist packages/authority/dist
RUN ln -s /app/packages/authority/bin/tessera.js /usr/local/bin/tessera \
 && ln -s /app/packages/scanner/bin/tessera-scan.js /usr/local/bin/tessera-scan
USER tessera
VOLUME /data
EXPOSE 7070
# Liveness only: a database outage must not get the container replaced in a loop. Readiness
# (GET /readyz) belongs to the load balancer or the orchestrator's readiness probe.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.TESSERA_PORT||7070)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tessera"]
CMD ["serve"]
