"""volume, stopsignal and shell in the rendered Dockerfile."""

from __future__ import annotations

from framework import Image, compile, render

BASE = Image.from_("debian:bookworm-slim")


def _lines(image: Image) -> list[str]:
    return render(compile(image)).dockerfile.splitlines()[1:]


def test_volume_is_written_with_absolute_paths_escaped_for_the_word_lexer() -> None:
    image = BASE.workdir("/srv").volume("/data", "cache dir", "/a$b", '/q"')
    assert _lines(image) == [
        'WORKDIR "/srv"',
        'VOLUME ["/data", "/srv/cache dir", "/a\\\\$b", "/q\\\\\\""]',
    ]


def test_stopsignal_is_written_as_given() -> None:
    assert _lines(BASE.stopsignal("usr1")) == ["STOPSIGNAL usr1"]
    assert _lines(BASE.stopsignal(9)) == ["STOPSIGNAL 9"]


def test_shell_is_written_for_the_config_and_later_commands_carry_it_in_exec_form() -> None:
    image = BASE.shell(["/bin/bash", "-o", "pipefail", "-c"]).run("echo $0").cmd("serve")
    assert _lines(image) == [
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
        'RUN ["/bin/bash", "-o", "pipefail", "-c", "echo $0"]',
        'CMD ["/bin/bash", "-o", "pipefail", "-c", "serve"]',
    ]


def test_none_of_them_is_a_build_step_vertex() -> None:
    image = BASE.volume("/d").stopsignal("TERM").shell(["/bin/bash", "-c"]).run("true")
    rendered = render(compile(image))
    assert [v.step for v in rendered.vertices] == [None, 3]
