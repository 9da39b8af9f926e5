FROM alpine:3.19 AS stage-stage-0.1
WORKDIR "/opt/my app"
ARG MULTI
ENV GREETING="say \"hi\"" PRICE="\$5 and \${HOME} and \$(id)" WIN_PATH="C:\\Users\\me\\" UNICODE="ünïcødé ✓ 日本" MULTI=${MULTI}
LABEL "org.opencontainers.image.title"="The \"App\"" "com.example.note"="cost: \$\$ \\o/ 'quoted'"
FROM stage-stage-0.1 AS stage-0
RUN --mount=type=secret,id=NPM_TOKEN,target=/run/secrets/NPM_TOKEN --mount=type=secret,id=netrc,target=/root/.netrc ["/bin/sh", "-c", "NPM_TOKEN=\"$(cat /run/secrets/NPM_TOKEN)\"; export NPM_TOKEN\nnpm ci && npm run build"]
RUN ["/bin/sh", "-c", "export MODE='it'\"'\"'s $literal \"quoted\"\nsecond line'\nexec \"$@\"", "sh", "python3", "-c", "import os; print(os.environ['MODE'])"]
COPY --chmod=0640 ["c-807142eea23c11cc/config.toml", "/etc/app/config.toml"]
HEALTHCHECK --interval=15s --timeout=2.5s --start-period=90s --retries=4 CMD ["wget", "-qO-", "http://localhost:8080/health"]
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["/bin/sh", "-c", "exec app --config /etc/app/config.toml"]
