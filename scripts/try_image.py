"""Run an image, publish one port on loopback, GET / and print the answer; then stop it.

Usage: python scripts/try_image.py IMAGE PORT. Exits non-zero unless the answer is 200.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request

from framework.engines.docker import find_client


def main(image: str, port: str) -> int:
    docker = find_client().path
    container = subprocess.run(
        [docker, "run", "-d", "-p", f"127.0.0.1::{port}", image],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        address = subprocess.run(
            [docker, "port", container, port], capture_output=True, text=True, check=True
        ).stdout.splitlines()[0]
        url = f"http://{address}/"
        for _ in range(80):  # up to 20 s while the server starts
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read().decode()
                    print(f"GET {url} -> HTTP {response.status}")
                    print(body, end="" if body.endswith("\n") else "\n")
                    return 0 if response.status == 200 else 1
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        print(f"GET {url}: no answer after 20 s", file=sys.stderr)
        logs = subprocess.run(
            [docker, "logs", container], capture_output=True, text=True, check=False
        )
        print(logs.stdout + logs.stderr, file=sys.stderr)
        return 1
    finally:
        subprocess.run([docker, "rm", "-f", container], capture_output=True, check=False)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
