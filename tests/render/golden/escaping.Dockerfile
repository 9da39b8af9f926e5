FROM alpine:3.19 AS stage-0
WORKDIR "/opt/my app"
ARG FRAMEWORK_VALUE_0
ENV GREETING="say \"hi\"" PRICE="\$5 and \${HOME} and \$(id)" WIN_PATH="C:\\Users\\me\\" UNICODE="ünïcødé ✓ 日本" MULTI=${FRAMEWORK_VALUE_0}
ARG FRAMEWORK_VALUE_1
LABEL "org.opencontainers.image.title"="The \"App\"" "com.example.note"="cost: \$\$ \\o/ 'quoted'" "com.example.crlf"=${FRAMEWORK_VALUE_1}
RUN --mount=type=secret,id=NPM_TOKEN,target=/run/secrets/NPM_TOKEN --mount=type=secret,id=netrc,target=/root/.netrc ["/bin/sh", "-c", "NPM_TOKEN=\"$(cat /run/secrets/NPM_TOKEN)\"; export NPM_TOKEN\nnpm ci && npm run build"]
RUN ["/bin/sh", "-c", "export MODE='it'\"'\"'s $literal \"quoted\"\nsecond line'\nexec \"$@\"", "sh", "python3", "-c", "import os; print(os.environ['MODE'])"]
COPY --chmod=0640 ["c-c2864f4ed92de3f8", "/etc/app/config.toml"]
HEALTHCHECK --interval=15s --timeout=2.5s --start-period=90s --retries=4 CMD ["wget", "-qO-", "http://localhost:8080/health"]
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["/bin/sh", "-c", "exec app --config /etc/app/config.toml"]
