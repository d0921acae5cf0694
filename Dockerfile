# The operator's image: Node.js 24 runs the TypeScript sources directly (type
# stripping), so there is no build step and no generated JavaScript.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY operator ./operator
# Non-root, and nothing to write: the Deployment mounts the root file system read-only.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "operator/main.ts"]
