"""Reading run commands as lint needs them: simple commands, programs, files written.

A best-effort reading of ``/bin/sh`` text (quotes, ``&&``/``||``/``;``/``|``, redirects,
leading ``NAME=value`` assignments); it never runs anything. Text it cannot split (an
unbalanced quote) is split on white space.
"""

from __future__ import annotations

import posixpath
import re
import shlex

from framework.plan import RunOp

__all__ = [
    "SimpleCommand",
    "commands",
    "exported",
    "resolve",
    "written_paths",
]

_OPERATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"}
_REDIRECTS = {">", ">>", ">|", "&>", "&>>"}
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_WRAPPERS = {"sudo", "env", "exec", "nohup", "time", "command"}


class SimpleCommand:
    """One command: ``program`` (its base name), its ``args`` and the files its output
    redirects write (``redirected``)."""

    def __init__(self, words: list[str], redirected: list[str]) -> None:
        while words and (_ASSIGNMENT.match(words[0]) or words[0] in _WRAPPERS):
            words = words[1:]
        self.program = posixpath.basename(words[0]) if words else ""
        self.args = words[1:]
        self.redirected = redirected

    @property
    def operands(self) -> list[str]:
        """The arguments that are not options."""
        return [a for a in self.args if not a.startswith("-")]

    def subcommand(self) -> str | None:
        """The first operand (``install`` of ``apt-get -y install x``)."""
        operands = self.operands
        return operands[0] if operands else None

    def has_option(self, *names: str) -> bool:
        return any(a in names or a.split("=", 1)[0] in names for a in self.args)

    def option_value(self, *names: str) -> str | None:
        """The value of the first option in ``names`` (``-o FILE`` or ``--out=FILE``)."""
        for i, arg in enumerate(self.args):
            key, eq, value = arg.partition("=")
            if key in names and eq:
                return value
            if arg in names and i + 1 < len(self.args):
                return self.args[i + 1]
        return None


def script_of(step: RunOp) -> str:
    """The shell text a run step executes (exec form: its words, quoted)."""
    if len(step.argv) >= 3 and step.argv[0] == "/bin/sh" and step.argv[1] == "-c":
        return step.argv[2]
    return shlex.join(step.argv)


def _tokens(text: str) -> list[str]:
    text = text.replace("\\\n", " ").replace("\n", " ; ")
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:
        return text.split()


def commands(step: RunOp) -> list[SimpleCommand]:
    """The simple commands of ``step``, in order."""
    found: list[SimpleCommand] = []
    words: list[str] = []
    redirected: list[str] = []
    tokens = _tokens(script_of(step))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _OPERATORS:
            found.append(SimpleCommand(words, redirected))
            words, redirected = [], []
        elif token in _REDIRECTS or (token.rstrip(">") in {"1", "2"} and token.endswith(">")):
            if i + 1 < len(tokens):
                redirected.append(tokens[i + 1])
                i += 1
        elif token in {"<", "<<", "<<<"} or token.endswith("<"):
            i += 1
        elif token in {"1", "2"} and i + 1 < len(tokens) and tokens[i + 1] in _REDIRECTS:
            pass  # the descriptor of "2> file"
        else:
            words.append(token)
        i += 1
    found.append(SimpleCommand(words, redirected))
    return [c for c in found if c.program]


def exported(step: RunOp) -> list[tuple[str, str]]:
    """The per-step variables a run step sets (the ``export NAME=value`` prelude)."""
    pairs: list[tuple[str, str]] = []
    for command in commands(step):
        if command.program == "export":
            for arg in command.args:
                name, eq, value = arg.partition("=")
                if eq and _ASSIGNMENT.match(arg):
                    pairs.append((name, value))
    return pairs


def resolve(path: str, workdir: str | None) -> str:
    return posixpath.normpath(posixpath.join(workdir or "/", path))


def written_paths(command: SimpleCommand) -> list[str]:
    """Files ``command`` writes: redirects, ``curl -o``, ``wget -O``, ``dd of=``,
    the destination of ``cp``/``mv``; never ``/dev/...``."""
    written = list(command.redirected)
    if command.program == "curl":
        value = command.option_value("-o", "--output")
        written += [value] if value else []
    elif command.program == "wget":
        value = command.option_value("-O", "--output-document")
        written += [value] if value else []
    elif command.program == "dd":
        written += [a[3:] for a in command.args if a.startswith("of=")]
    elif command.program in {"cp", "mv"} and len(command.operands) >= 2:
        written.append(command.operands[-1])
    return [p for p in written if p and not p.startswith(("/dev/", "/proc/")) and "$" not in p]
