FROM debian:bookworm-slim AS stage-0
RUN ["useradd", "--system", "--uid", "10001", "app"]

FROM golang:1.22 AS builder
WORKDIR "/src"
COPY ["c-fe7d189d325e9b13/go.mod", "./go.mod"]
COPY ["c-0511cc90e243a32a/go.sum", "./go.sum"]
RUN --mount=type=cache,target=/go/pkg/mod,id=gomod ["go", "mod", "download"]
COPY ["c-f3bdc94f11159041/", "./"]
RUN --mount=type=cache,target=/go/pkg/mod,id=gomod --mount=type=cache,target=/root/.cache/go-build,id=pipeline-4a9c977beb17:/root/.cache/go-build ["/bin/sh", "-c", "CGO_ENABLED=0 go build -o /out/app ./cmd/app"]

FROM node:20-slim AS stage-2
WORKDIR "/web"
COPY ["c-708cb3c9ec6ca154/", "./"]
RUN --network=none ["npm", "run", "build"]

FROM stage-0 AS stage-3
COPY --from=builder --chown=app:app --chmod=0755 ["/out/app", "/usr/local/bin/app"]
COPY --from=stage-2 --chown=10001 ["/web/dist", "/srv/www/"]
COPY --from=builder --chown=0:0 --chmod=0444 ["/src/go.mod", "/srv/"]
USER app
ENTRYPOINT ["/usr/local/bin/app"]
