# syntax=docker/dockerfile:1
# ModelTainer gateway image: the Node CLI bundled into one file (npm run build) on node:20-slim,
# with no node_modules and no TypeScript loader.
#   docker build -t modeltainer .
#   docker run --rm -p 8081:8081 --read-only --cap-drop ALL -v "$PWD/config:/app/config:ro" modeltainer
# The config is /app/config/models.yaml, or the file MODELTAINER_CONFIG names. The same image runs
# the backend simulator (backends/compose, profile `sim`):
#   docker run --rm --read-only modeltainer node dist/modeltainer.mjs sim --flavor vllm --host 0.0.0.0
# Size: node:20-slim is about 200 MB unpacked; dist/ adds about 10 MB (a 1.7 MB bundle, Swagger UI's 1.9 MB of assets and the bundle's
# 6 MB source map) and config/ a few kB, so about 210 MB in all (about 75 MB compressed).
# Checked without a Docker engine by test/deploy/build.test.ts (the final stage's files, CMD and
# HEALTHCHECK, run read-only as PID 1 and uid 10001) and linted by test/deploy/compose.test.ts.
# The base image is named in each FROM (not through an ARG): Dependabot (.github/dependabot.yml)
# updates FROM lines only.
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency's install script runs; esbuild finds its binary in its optional
# @esbuild/<platform> package without one.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts/build.ts ./scripts/
COPY src ./src
COPY adapters/node ./adapters/node
RUN npm run build

FROM node:20-slim
# A fixed uid outside the host's usual range, so files it could write on a mounted volume are not
# some host user's. It owns nothing in the image: the app files stay root's, read-only to it.
RUN groupadd --gid 10001 modeltainer \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin modeltainer
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8081
COPY --from=build /src/dist ./dist
COPY config ./config
USER 10001:10001
EXPOSE 8081
# Read-only root file system: nothing is written at run time (no cache, no temp file, logs go to
# stdout), so no tmpfs is needed. For source-mapped stack traces set NODE_OPTIONS=--enable-source-maps.
# No curl in slim: node's own fetch. 127.0.0.1 is reached when HOST is 0.0.0.0 (the default here).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8081)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 (through node's docker-entrypoint.sh, which execs it) and gets SIGTERM
# itself; the gateway handles it (drains in-flight requests, exits 0), so no init is needed.
CMD ["node", "dist/modeltainer.mjs", "serve"]
