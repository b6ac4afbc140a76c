# Tributary itself, for docker-compose.yml. Runs the TypeScript sources through tsx, as npm start does.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
EXPOSE 18080
CMD ["bin/tributary", "start", "--no-stack"]
