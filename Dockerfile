# syntax=docker/dockerfile:1
# The server image. Node 22 (an LTS line in support; Node 20 reached its end of life in April 2026), which
# better-sqlite3 12 supports (its engines field); test/unit/docker/image.test.ts checks the file list below against
# what the documented commands need (npm start, npm run admin, scim-admin).

# Build stage: compiles TypeScript and the better-sqlite3 native module.
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --foreground-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: the compiled server, production dependencies, the scripts that `npm start` and `npm run admin` run,
# and the `scim-admin` command; as the non-root user `node` (uid 1000), with its data in /data.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=8080 \
    SCIM_STORE=sqlite:/data/scim.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts/build-if-needed.js ./scripts/build-if-needed.js
COPY scripts/scim-admin /usr/local/bin/scim-admin
RUN chmod 755 /usr/local/bin/scim-admin && mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /ready: the process answers AND the store does (a MongoDB that is down makes the container unhealthy).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# The same V8 flags as `npm start` (README "Export and import": young generations of 2 MiB semi-spaces keep the RSS low).
CMD ["node", "--max-semi-space-size=2", "dist/src/main.js"]
