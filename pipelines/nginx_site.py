"""The nginx example: a static site on Debian's nginx.

``python pipelines/nginx_site.py`` builds and tags ``nginx-site``.
"""

from __future__ import annotations

from framework import Context, Image, build, run_script

SITE = Context("../examples/nginx_site")


def nginx_site(site: Context = SITE) -> Image:
    """nginx installed in one run step, serving ``index.html`` on port 80."""
    return (
        # framework: ignore[FW108] nginx's master process starts as root to bind port 80
        # and runs its workers as www-data (Debian's default configuration)
        Image.from_("debian:bookworm-slim")
        .run(
            "apt-get update"
            " && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx"
            " && rm -rf /var/lib/apt/lists/*"
        )
        .copy(site / "index.html", "/var/www/html/index.html")
        .expose(80)
        .cmd(["nginx", "-g", "daemon off;"])
    )


if __name__ == "__main__":
    run_script(lambda: build(nginx_site(), tag="nginx-site"))
