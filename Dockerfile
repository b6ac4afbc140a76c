# Tributary, one image for every role: the entrypoint is the CLI, the command picks the role.
#   docker run IMAGE                                            # start --no-stack --role all
#   docker run IMAGE start --no-stack --role api                # the API instances
#   docker run IMAGE start --no-stack --role processors         # the processor instances
#   docker run IMAGE start --no-stack --role processors --processors transactions-cleanser
#   docker run IMAGE topics apply                               # any other command, e.g. provisioning
# Runs the TypeScript sources through tsx, as bin/tributary does everywhere; no build step.
FROM node:20-bookworm-slim
WORKDIR /app
ENV AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# JSON even on a terminal (docker run -it): the pretty printer is a development dependency.
ENV LOG_FORMAT=json
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
# The event types are generated from the .avsc files and not committed (npm start and npm test
# generate them through the bootstrap).
RUN node_modules/.bin/tsx schemas/generate.ts
# Not root: the process needs no privilege. The one folder it may write is the default lake
# directory (LAKE_TARGET=directory, under .stack): mount a volume there to keep it, or use
# LAKE_TARGET=s3 when several containers run processors (docker-compose.yml does).
RUN mkdir -p .stack && chown node:node .stack
USER node
# The API's port (API_PORT); the processors role opens none.
EXPOSE 18080
ENTRYPOINT ["/app/bin/tributary"]
CMD ["start", "--no-stack", "--role", "all"]
