"""The Dockerfile beside this file, written as a pipeline."""

from pathlib import Path

from framework import Context, Image

CONTEXT = Context(Path(__file__).parent)


def multistage_owned_config() -> Image:
    """An app built in one stage and shipped with its owners (``keep_owner``, as
    ``COPY --from`` keeps them); config files copied onto directories the base image has,
    which they land inside, as with ``COPY``."""
    build = (
        Image.from_("debian:bookworm-slim")
        .named("build")
        .run(
            "mkdir -p /opt/app/bin /opt/app/var/log"
            " && printf '#!/bin/sh\\n. /etc/profile.d/app.sh\\n"
            'echo "app up: $(cat /etc/app/app.conf) $APP_MODE"\\n\' > /opt/app/bin/app'
            " && chmod 750 /opt/app/bin/app"
            " && chown -R 1500:1500 /opt/app/var && chown 1500:0 /opt/app/bin/app"
        )
    )
    return (
        Image.from_("debian:bookworm-slim")
        .copy(build / "/opt/app", "/opt/app", keep_owner=True)
        .copy(build / "/opt/app/bin/app", "/usr/local/bin", keep_owner=True)
        .copy(CONTEXT / "config/app.conf", "/etc/app/")
        .copy(CONTEXT / "config/90app", "/etc/apt/apt.conf.d")
        .copy(CONTEXT / "config/app.sh", "/etc/profile.d")
        .run("test -f /etc/apt/apt.conf.d/90app && test -f /etc/profile.d/app.sh")
        .user("1500")
        .cmd(["/usr/local/bin/app"])
    )
