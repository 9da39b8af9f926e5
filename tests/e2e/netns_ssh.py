"""An ssh door into a test host (tests/e2e/netns_hosts.py): a private sshd inside the
host's namespace, on the namespace's address, whose sessions talk to that host's dockerd.
The docker client then reaches it as ``DOCKER_HOST=ssh://root@<address>:2222``.

The sshd binary is the machine's (``/usr/sbin/sshd``) or, where openssh-server is not
installed, Debian's package unpacked into the lab directory (``apt-get download`` and
``dpkg-deb -x``: nothing is installed, no service starts). sshd runs in its own mount
namespace, where a copy of /etc/passwd gains its privilege-separation user and /run is a
fresh tmpfs: the machine's files are not changed. The client side gets its key, known
host and options through an ``ssh`` wrapper first on PATH, not through ~/.ssh.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.netns_hosts import TestHost

SSH_PORT = 2222
PACKAGES = ("openssh-server", "libwrap0")


def _sshd(directory: Path) -> tuple[Path, str, str]:
    """An sshd binary, the LD_LIBRARY_PATH it needs and the sshd_config lines that name
    its helper programs when they are not where it was built to find them."""
    if Path("/usr/sbin/sshd").is_file():
        return Path("/usr/sbin/sshd"), "", ""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        pytest.skip("no sshd, and no apt-get/dpkg-deb to unpack openssh-server privately")
    debs = directory / "debs"
    debs.mkdir()
    packages = list(PACKAGES)
    # OpenSSH 10 (Debian 13) runs sessions in sshd-session, linked to libwtmpdb0, a
    # package Debian 12 does not have.
    known = subprocess.run(["apt-cache", "show", "libwtmpdb0"], capture_output=True, check=False)
    if known.returncode == 0:
        packages.append("libwtmpdb0")
    fetched = subprocess.run(
        ["apt-get", "download", *packages], cwd=debs, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    if fetched.returncode != 0:
        pytest.skip(f"no sshd here, and apt-get download {' '.join(PACKAGES)} failed: "
                    f"{fetched.stderr.strip()[-300:]}")  # fmt: skip
    prefix = directory / "openssh"
    for deb in debs.glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(prefix)], check=True, timeout=60)
    libwrap = next(prefix.glob("usr/lib/*/libwrap.so.0"), None)
    # OpenSSH 9.8+ execs sshd-session (10.0+: also sshd-auth) from its built-in path,
    # /usr/lib/openssh, and refuses to start where that is missing: name the unpacked ones.
    helpers = "".join(
        f"{option} {prefix / 'usr/lib/openssh' / name}\n"
        for option, name in (("SshdSessionPath", "sshd-session"), ("SshdAuthPath", "sshd-auth"))
        if (prefix / "usr/lib/openssh" / name).is_file()
    )
    return prefix / "usr/sbin/sshd", "" if libwrap is None else str(libwrap.parent), helpers


def _accounts(directory: Path) -> tuple[Path, Path]:
    """Copies of /etc/passwd and /etc/shadow with sshd's privilege-separation user, and
    root's login unlocked for key authentication only (its password field ``*``)."""
    passwd = directory / "passwd"
    lines = [
        line
        for line in Path("/etc/passwd").read_text().splitlines()
        if not line.startswith("sshd:")
    ]
    passwd.write_text("\n".join([*lines, "sshd:x:65534:65534::/run/sshd:/usr/sbin/nologin", ""]))
    shadow = directory / "shadow"
    entries = []
    for line in Path("/etc/shadow").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == "root":
            fields[1] = "*"
        entries.append(":".join(fields))
    shadow.write_text("\n".join([*entries, ""]))
    shadow.chmod(0o600)
    return passwd, shadow


def _wait_ssh(
    host: TestHost, env: dict[str, str], process: subprocess.Popen[bytes], directory: Path
) -> None:
    """Wait until the docker client reaches the host's daemon over ssh."""
    argv = [host.client, "version", "--format", "{{.Server.Version}}"]
    detail = ""
    for _ in range(40):
        probe = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        if probe.returncode == 0:
            return
        detail = probe.stderr
        if process.poll() is not None:
            break
        time.sleep(0.25)
    log = (directory / "sshd.log").read_text(errors="replace")[-2000:]
    raise AssertionError(f"docker over ssh to {host.netns} failed: {detail}\n{log}")


@contextmanager
def ssh_door(host: TestHost, directory: Path) -> Iterator[dict[str, str]]:
    """Run sshd in ``host``'s namespace; yield the environment in which the docker client
    reaches that host's daemon over ssh (``DOCKER_HOST``, and ``PATH`` with the wrapper)."""
    directory.mkdir(parents=True)
    sshd, libraries, helpers = _sshd(directory)
    keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", ""]
    subprocess.run([*keygen, "-f", str(directory / "host_key")], check=True, timeout=30)
    subprocess.run([*keygen, "-f", str(directory / "user_key")], check=True, timeout=30)
    shutil.copy(directory / "user_key.pub", directory / "authorized_keys")
    host_public = (directory / "host_key.pub").read_text().split()[:2]
    (directory / "known_hosts").write_text(f"[{host.address}]:{SSH_PORT} {' '.join(host_public)}\n")
    (directory / "sshd_config").write_text(
        f"Port {SSH_PORT}\nListenAddress {host.address}\n"
        f"HostKey {directory / 'host_key'}\nPidFile {directory / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {directory / 'authorized_keys'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        # The session's docker (docker system dial-stdio) talks to this host's daemon.
        f"SetEnv DOCKER_HOST={host.docker_host}\n{helpers}"
    )
    (directory / "ssh_config").write_text(
        f"Host {host.address}\n  IdentityFile {directory / 'user_key'}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {directory / 'known_hosts'}\n  StrictHostKeyChecking yes\n"
        "  BatchMode yes\n  LogLevel ERROR\n"
    )
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "ssh"
    ssh = shutil.which("ssh") or "/usr/bin/ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {ssh} -F {directory / "ssh_config"} "$@"\n')
    wrapper.chmod(0o755)

    passwd, shadow = _accounts(directory)
    setup = (
        "mount -t tmpfs tmpfs /run && mkdir -m 755 /run/sshd"
        f" && mount --bind {shlex.quote(str(passwd))} /etc/passwd"
        f" && mount --bind {shlex.quote(str(shadow))} /etc/shadow"
        ' && exec "$@"'
    )
    env = {**os.environ, "LD_LIBRARY_PATH": libraries} if libraries else dict(os.environ)
    argv = [str(sshd), "-D", "-e", "-f", str(directory / "sshd_config")]
    with (directory / "sshd.log").open("ab") as log:
        process = subprocess.Popen(
            ["ip", "netns", "exec", host.netns, "sh", "-c", setup, "sh", *argv],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True,
        )  # fmt: skip
    client_env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "DOCKER_HOST": f"ssh://root@{host.address}:{SSH_PORT}",
    }
    try:
        _wait_ssh(host, client_env, process, directory)
        yield client_env
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
