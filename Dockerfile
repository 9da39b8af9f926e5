FROM debian:bookworm-slim AS stage-0
WORKDIR "/w 'a' \"b\" \$c \\d"
ARG FRAMEWORK_VALUE_0
ENV A="q\"uo\$te\\back" B=${FRAMEWORK_VALUE_0} C="ünï    x" D="\$(id) \${X} `x` 'sq'" E="trail\\" F="" G=" lead" H="\\\$HOME \\\\ \\n"
ARG FRAMEWORK_VALUE_1
LABEL "k\"\$"="v\"\$\\'" "l"=${FRAMEWORK_VALUE_1}
