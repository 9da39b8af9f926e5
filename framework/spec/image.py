"""``Image``: an immutable description of a container image, built by chaining.

Every method returns a new ``Image``; the receiver is unchanged and can be the base
of many others. Copying a path out of another image (``builder / "/out/app"``) makes
that image a stage of this one: multistage builds come from plain references.

``Image`` is a plain class with ``__slots__``, not a spec value (:class:`Model`): its
public face is the Dockerfile verbs and a few documented attributes (``base``,
``platform``, ``steps``, ``name``, ``origin``, ``final_workdir``), nothing else, and a misspelt verb
is reported as one. Here there is one way in:
:meth:`Image.from_` or :meth:`Image.scratch` (calling ``Image(...)`` is refused), and
each verb validates only what it adds: the new step (a validated spec value) and
the invariants it touches, against facts the image keeps (the current workdir, the
variable names it sets). Chaining is linear, not a re-validation of every step.
Images compare and hash by what they describe (base, steps, name), never by where they
were declared; attributes cannot be set; an unknown attribute raises
:class:`~framework.errors.UnknownInstruction` listing the verbs that exist.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Concatenate, Literal, NoReturn, ParamSpec, final

from framework.errors import SpecError, UnknownInstruction
from framework.spec._base import (
    Model,
    Origin,
    caller_origin,
    check_path,
    complete_types,
    origin_field,
    validated,
    where,
)
from framework.spec.expansion import warn_literal_references
from framework.spec.mounts import Bind, CacheMount, SecretUse, Tmpfs
from framework.spec.platforms import BUILD_PLATFORM, platform_problem
from framework.spec.sources import Context, ContextPath, Inline
from framework.spec.steps import (
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Label,
    Run,
    Shell,
    Step,
    StopSignal,
    User,
    Volume,
    Workdir,
    resolve_path,
)
from framework.spec.urls import Url

if TYPE_CHECKING:
    from datetime import timedelta

__all__ = ["Image", "StagePath"]

P = ParamSpec("P")


def _checked_options(
    method: Callable[Concatenate[Image, P], Image],
) -> Callable[Concatenate[Image, P], Image]:
    """Turn a call with an unknown or missing option into a SpecError that lists the options.

    The signature is consulted only when the call raises ``TypeError`` (a call that does
    not bind raises it before the method runs), so a good call costs nothing extra."""

    @functools.wraps(method)
    def checked(self: Image, /, *args: P.args, **kwargs: P.kwargs) -> Image:
        try:
            return method(self, *args, **kwargs)
        except TypeError as error:
            signature = inspect.signature(method)
            try:
                signature.bind(self, *args, **kwargs)
            except TypeError as exc:
                import difflib

                options = [n for n in signature.parameters if n != "self"]
                unknown = [k for k in kwargs if k not in options]
                close = [m for k in unknown for m in difflib.get_close_matches(k, options, n=1)]
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise SpecError(
                    f".{method.__name__}(): {exc}",
                    fix=f"{hint}its options are: {', '.join(options)}",
                    where=where(caller_origin()),
                ) from None
            raise error

    return checked


_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]*")

Command = str | Sequence[str]


def _mapping_argument(
    method: Callable[Concatenate[Image, P], Image],
) -> Callable[Concatenate[Image, P], Image]:
    """Refuse a first argument that is not a mapping, before the method merges it."""

    @functools.wraps(method)
    def checked(self: Image, /, *args: P.args, **kwargs: P.kwargs) -> Image:
        if args and args[0] is not None and not isinstance(args[0], Mapping):
            raise SpecError(
                f".{method.__name__}() got a {type(args[0]).__name__}, not a mapping",
                fix=f"pass NAME=value pairs or a dict: .{method.__name__}({{'NAME': 'value'}})",
                where=where(caller_origin()),
            )
        return method(self, *args, **kwargs)

    return checked


def _cache_mounts(cache: object, origin: Origin | None) -> list[str | CacheMount]:
    if isinstance(cache, str | CacheMount):
        return [cache]
    if isinstance(cache, Sequence) and not isinstance(cache, bytes):
        return list(cache)
    raise SpecError(
        f"run cache is a {type(cache).__name__}",
        fix="give a mount path, a CacheMount, or a list of them",
        where=where(origin),
    )


def _mounts(mounts: object, origin: Origin | None) -> tuple[Bind | Tmpfs, ...]:
    items = [mounts] if isinstance(mounts, Bind | Tmpfs) else mounts
    if isinstance(items, Sequence) and not isinstance(items, str | bytes):
        for item in items:
            if isinstance(item, CacheMount):
                raise SpecError(
                    "run mounts got a CacheMount",
                    fix="pass cache mounts with cache=: .run(..., cache=CacheMount(...))",
                    where=where(origin),
                )
            if not isinstance(item, Bind | Tmpfs):
                raise SpecError(
                    f"run mounts got a {type(item).__name__}",
                    fix="give Bind(context / 'path', '/target'), Bind(image / '/path',"
                    " '/target') or Tmpfs('/target'), or a list of them",
                    where=where(origin),
                )
        return tuple(items)
    raise SpecError(
        f"run mounts is a {type(mounts).__name__}",
        fix="give a Bind or Tmpfs, or a list of them",
        where=where(origin),
    )


@final
class Image:
    """A container image: a base and the steps applied to it.

    Start with :meth:`from_` (an image reference, or another ``Image``) or
    :meth:`scratch`; chain steps; pass the result to :func:`framework.build`.
    ``base`` is the reference, the base ``Image`` or ``None`` (scratch); ``steps`` the
    steps in order; ``name`` the name given with :meth:`named`; ``origin`` where the
    image was started in user code.
    """

    __slots__ = (
        "_base", "_env_names", "_hash", "_name", "_origin", "_platform", "_steps", "_workdir"
    )  # fmt: skip

    _base: str | Image | None
    _platform: str | None
    _steps: tuple[Step, ...]
    _name: str | None
    _origin: Origin | None
    _workdir: str | None
    _env_names: frozenset[str]
    _hash: int | None

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise SpecError(
            "Image(...) is not how an image starts",
            fix="start from a reference with Image.from_('python:3.11-slim'), from another"
            " image with Image.from_(image), or from nothing with Image.scratch()",
            where=where(caller_origin()),
        )

    @classmethod
    def _make(
        cls,
        base: str | Image | None,
        steps: tuple[Step, ...],
        *,
        name: str | None,
        origin: Origin | None,
        workdir: str | None,
        env_names: frozenset[str],
        platform: str | None = None,
    ) -> Image:
        """The one place an ``Image`` is made; callers have validated what they changed."""
        image = object.__new__(cls)
        for slot, value in (
            ("_base", base),
            ("_platform", platform),
            ("_steps", steps),
            ("_name", name),
            ("_origin", origin),
            ("_workdir", workdir),
            ("_env_names", env_names),
            ("_hash", None),
        ):
            object.__setattr__(image, slot, value)
        return image

    # -- construction -------------------------------------------------------------

    @classmethod
    def from_(cls, base: str | Image, *, platform: str | None = None) -> Image:
        """Start from an image reference (``"python:3.11-slim"``) or another ``Image``.

        ``platform`` (``"linux/arm64"``, or :data:`framework.BUILD_PLATFORM` for the
        machine that builds) picks which platform's image of the reference this stage
        starts from and runs on (``FROM --platform=...``); by default, the platform the
        build targets. An image built on another ``Image`` runs on that image's platform.
        """
        origin = caller_origin()
        if platform is not None:
            _check_platform(base, platform, origin)
        if isinstance(base, str):
            _check_reference(base, origin)
            return cls._make(
                base,
                (),
                name=None,
                origin=origin,
                workdir=None,
                env_names=frozenset(),
                platform=platform,
            )
        if isinstance(base, Image):
            return cls._make(
                base, (), name=None, origin=origin, workdir=base._workdir, env_names=base._env_names
            )
        raise SpecError(
            f"Image.from_ got {type(base).__name__}",
            fix="pass an image reference string or an Image",
            where=where(origin),
        )

    @classmethod
    def scratch(cls) -> Image:
        """Start from an empty filesystem."""
        return cls._make(
            None, (), name=None, origin=caller_origin(), workdir=None, env_names=frozenset()
        )

    def _with(self, step: Step) -> Image:
        """This image and the validated ``step``: checks what the step adds, nothing else."""
        workdir, env_names = self._workdir, self._env_names
        path = step.path if isinstance(step, Workdir) else None
        path = step.dest if isinstance(step, Copy | Add) else path
        if path is not None and not path.startswith("/") and workdir is None:
            kind = "workdir" if isinstance(step, Workdir) else "copy destination"
            raise SpecError(
                f"relative {kind} {path!r} but no workdir is set before it",
                fix="use an absolute path, or call .workdir('/abs/path') first",
                where=where(step.origin),
            )
        if isinstance(step, Workdir):
            workdir = resolve_path(step.path, workdir)
        if isinstance(step, Env | Arg):  # an arg, too, is a variable later steps have
            env_names = env_names | {name for name, _ in step.values}
        steps = (*self._steps, step)
        return Image._make(
            self._base,
            steps,
            name=self._name,
            origin=self._origin,
            workdir=workdir,
            env_names=env_names,
            platform=self._platform,
        )

    # -- what the image holds --------------------------------------------------------

    @property
    def base(self) -> str | Image | None:
        """The image reference, the ``Image`` this one builds on, or ``None`` (scratch)."""
        return self._base

    @property
    def platform(self) -> str | None:
        """The platform given to :meth:`from_` (``None``: the build's target platform)."""
        return self._platform

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps, in order (not those of a base ``Image``)."""
        return self._steps

    @property
    def name(self) -> str | None:
        """The name given with :meth:`named`, or ``None``."""
        return self._name

    @property
    def origin(self) -> Origin | None:
        """Where the image was started in user code (``file:line``), when known."""
        return self._origin

    @property
    def final_workdir(self) -> str | None:
        """The workdir after all steps, as far as the description sets it."""
        return self._workdir

    # -- steps ----------------------------------------------------------------------

    @_checked_options
    def run(
        self,
        command: Command,
        *,
        env: Mapping[str, str] | None = None,
        cache: str | CacheMount | Sequence[str | CacheMount] = (),
        secrets: Sequence[SecretUse] = (),
        mounts: Bind | Tmpfs | Sequence[Bind | Tmpfs] = (),
        network: bool = True,
        no_cache: bool = False,
    ) -> Image:
        """Run ``command``: a list is exec form (no shell), a string runs under ``/bin/sh -c``.

        ``cache`` takes mount paths or :class:`CacheMount` values; ``secrets`` takes
        ``Secret.env(...).as_env(...)`` / ``.as_file(...)`` uses; ``mounts`` takes
        :class:`Bind` (``Bind(context / "src", "/src")``, ``Bind(builder / "/out",
        "/in")``: mounted for this step, never copied) and :class:`Tmpfs` values.
        ``no_cache=True`` runs this step and every later one of its stage again on every
        build.
        """
        origin = caller_origin()
        caches = _cache_mounts(cache, origin)
        cache_mounts = [
            validated(CacheMount, origin, target=c) if isinstance(c, str) else c for c in caches
        ]
        argv, script = _command(command, "run", origin)
        step = validated(
            Run,
            origin,
            argv=argv,
            script=script,
            env=_pairs(env or {}, "env", origin),
            cache=tuple(cache_mounts),
            secrets=tuple(secrets),
            mounts=_mounts(mounts, origin),
            network=network,
            no_cache=no_cache,
            origin=origin,
        )
        return self._with(step)

    @_checked_options
    def copy(
        self,
        source: Context | ContextPath | Inline | StagePath,
        dest: str,
        *,
        owner: str | None = None,
        mode: int | None = None,
        keep_owner: bool = False,
    ) -> Image:
        """Copy ``source`` to ``dest`` (see :class:`framework.spec.steps.Copy` for the rules).

        ``source`` is a :class:`Context` (its whole tree), ``context / "path"``,
        ``other_image / "/path"`` (makes ``other_image`` a stage), or :class:`Inline`.
        """
        origin = caller_origin()
        if isinstance(source, Context):
            source = ContextPath.inside(source, ".", origin)
        if not isinstance(source, ContextPath | Inline | StagePath):
            hint = " (a Url is added with .add(Url(...), dest))" if isinstance(source, Url) else ""
            raise SpecError(
                f"copy source is a {type(source).__name__}",
                fix=f"copy from a Context, context / 'path', image / '/path' or Inline(...){hint}",
                where=where(origin),
            )
        step = validated(
            Copy,
            origin,
            source=source,
            dest=dest,
            owner=owner,
            mode=mode,
            keep_owner=keep_owner,
            origin=origin,
        )
        if isinstance(source, Inline) and step.into_directory:
            raise SpecError(
                f"inline content copied to the directory {dest!r} has no file name",
                fix="give the file's path as the destination, e.g. '/etc/app/config.toml'",
                where=where(origin),
            )
        return self._with(step)

    @_checked_options
    def add(
        self,
        source: ContextPath | Url,
        dest: str,
        *,
        owner: str | None = None,
        mode: int | None = None,
    ) -> Image:
        """Docker's ``ADD``: unpack a tar archive, or add a remote file by checksum (see
        :class:`framework.spec.steps.Add` for the rules).

        ``.add(context / "vendor.tar.gz", "/opt/vendor")`` unpacks the archive (plain,
        gzip, bzip2 or xz) into ``/opt/vendor``, keeping its owners, modes and links.
        ``.add(Url("https://host/tool", sha256="..."), "/usr/local/bin/tool", mode=0o755)``
        writes the verified download there (mode ``0o600`` unless ``mode``; root unless
        ``owner``). Any other source is refused: plain files are copied with :meth:`copy`.
        """
        origin = caller_origin()
        if not isinstance(source, ContextPath | Url):
            fix = "add a tar archive (context / 'vendor.tar.gz') or Url(url, sha256=...)"
            if isinstance(source, Context | Inline | StagePath):
                fix += "; copy directories, inline content and stage paths with .copy(...)"
            raise SpecError(
                f"add source is a {type(source).__name__}", fix=fix, where=where(origin)
            )
        step = validated(
            Add, origin, source=source, dest=dest, owner=owner, mode=mode, origin=origin
        )
        return self._with(step)

    @_mapping_argument
    def env(
        self, values: Mapping[str, str] | None = None, /, *, expand: bool = False, **more: str
    ) -> Image:
        """Set environment variables: ``.env(PORT="5000")`` or ``.env({"PORT": "5000"})``.

        Values are literal; ``expand=True`` expands ``$NAME``/``${NAME}`` from the image's
        environment at this step, the base image's included: ``.env(PATH="/venv/bin:$PATH",
        expand=True)``. A literal value naming a variable the image sets warns
        (:class:`framework.errors.LiteralDollarWarning`).
        """
        origin = caller_origin()
        pairs = _pairs({**(values or {}), **more}, "env", origin)
        step = validated(Env, origin, values=pairs, expand=expand, origin=origin)
        if not expand:
            warn_literal_references(pairs, self._env_names, origin)
        return self._with(step)

    def arg(self, *names: str, **values: str) -> Image:
        """Declare build-time variables (Docker's ``ARG``): ``.arg(PIP_NO_CACHE_DIR="1")``.

        Every later :meth:`run` sees them in its environment (a changed value rebuilds
        those steps), also in images built on this one with ``Image.from_(image)``, as
        BuildKit's stages inherit ARGs; ``env(..., expand=True)`` can refer to them. They
        never enter the image config (a later ``env`` of the same name wins). Values are
        literal and show in the image's history: keep secrets in :class:`~framework.Secret`.
        BuildKit's platform variables are declared by name: ``.arg("TARGETARCH",
        "TARGETOS")`` (see :class:`framework.spec.steps.Arg`).
        """
        origin = caller_origin()
        for name in names:
            if not isinstance(name, str):
                raise SpecError(
                    f".arg() got a {type(name).__name__} as a name",
                    fix="pass platform variable names as strings (.arg('TARGETARCH')) and"
                    " other variables as NAME='value'",
                    where=where(origin),
                )
            if name in values:
                raise SpecError(
                    f".arg() declares {name!r} both by name and with a value",
                    fix=f"declare it once: .arg({name}='...')",
                    where=where(origin),
                )
        pairs: tuple[tuple[str, str | None], ...] = (
            *((name, None) for name in names),
            *_pairs(values, "arg", origin),
        )
        return self._with(validated(Arg, origin, values=pairs, origin=origin))

    @_checked_options
    def workdir(self, path: str) -> Image:
        """Set the working directory (created if missing)."""
        origin = caller_origin()
        return self._with(validated(Workdir, origin, path=path, origin=origin))

    @_checked_options
    def user(self, user: str) -> Image:
        """Run later steps and the container as ``user`` (``"app"``, ``"1000:1000"``)."""
        origin = caller_origin()
        return self._with(validated(User, origin, user=user, origin=origin))

    @_mapping_argument
    def label(self, values: Mapping[str, str] | None = None, /, **more: str) -> Image:
        """Set labels: ``.label({"org.opencontainers.image.source": url})``."""
        origin = caller_origin()
        pairs = _pairs({**(values or {}), **more}, "label", origin)
        return self._with(validated(Label, origin, values=pairs, origin=origin))

    @_checked_options
    def expose(self, port: int, protocol: Literal["tcp", "udp"] = "tcp") -> Image:
        """Declare a port the container listens on."""
        origin = caller_origin()
        return self._with(validated(Expose, origin, port=port, protocol=protocol, origin=origin))

    @_checked_options
    def entrypoint(self, command: Command) -> Image:
        """Set the entrypoint; a string runs under the shell in effect (``/bin/sh -c``
        unless :meth:`shell` set another)."""
        origin = caller_origin()
        argv, script = _command(command, "entrypoint", origin)
        return self._with(validated(Entrypoint, origin, argv=argv, script=script, origin=origin))

    @_checked_options
    def cmd(self, command: Command) -> Image:
        """Set the default command; a string runs under the shell in effect (as for
        :meth:`entrypoint`)."""
        origin = caller_origin()
        argv, script = _command(command, "cmd", origin)
        return self._with(validated(Cmd, origin, argv=argv, script=script, origin=origin))

    @_checked_options
    def healthcheck(
        self,
        command: Command | None,
        *,
        interval: float | timedelta | None = None,
        timeout: float | timedelta | None = None,
        start_period: float | timedelta | None = None,
        retries: int | None = None,
    ) -> Image:
        """Set how the container's health is checked; ``None`` disables the base's check.

        A list is exec form; a string is one line of shell, run by the container's
        ``/bin/sh -c`` (Docker's ``CMD-SHELL``). ``interval``, ``timeout`` and
        ``start_period`` are seconds (an int or float, at least 0.001) or a
        ``timedelta``; ``retries`` an int (at least 1). An option left ``None`` is not
        set, so the runtime's default applies (Docker: 30 s, 30 s, 0 s, 3 retries).
        """
        origin = caller_origin()
        argv, script = (None, None) if command is None else _command(command, "healthcheck", origin)
        durations = {
            name: _seconds(value, f"healthcheck {name}", origin)
            for name, value in (
                ("interval", interval),
                ("timeout", timeout),
                ("start_period", start_period),
            )
        }
        if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int)):
            raise SpecError(
                f"healthcheck retries is {type(retries).__name__}, not an int",
                fix="give retries as a whole number, e.g. retries=3 (or None for the default)",
                where=where(origin),
            )
        step = validated(
            Healthcheck,
            origin,
            argv=argv,
            script=script,
            **durations,
            retries=retries,
            origin=origin,
        )
        return self._with(step)

    @_checked_options
    def volume(self, *paths: str) -> Image:
        """Declare volumes: ``.volume("/data", "/cache")`` (Docker's ``VOLUME``); a
        relative path resolves against the workdir."""
        origin = caller_origin()
        return self._with(validated(Volume, origin, paths=paths, origin=origin))

    @_checked_options
    def stopsignal(self, signal: str | int) -> Image:
        """Set the signal that stops the container: ``"SIGTERM"``, ``"USR1"``, ``9``."""
        origin = caller_origin()
        text = str(signal) if isinstance(signal, int) and not isinstance(signal, bool) else signal
        return self._with(validated(StopSignal, origin, signal=text, origin=origin))

    @_checked_options
    def shell(self, argv: Sequence[str]) -> Image:
        """Run later string-form ``run``, ``cmd`` and ``entrypoint`` commands as
        ``argv + [command]``: ``.shell(["/bin/bash", "-c"])`` (Docker's ``SHELL``)."""
        origin = caller_origin()
        if isinstance(argv, str) or not (
            isinstance(argv, Sequence) and all(isinstance(a, str) for a in argv)
        ):
            raise SpecError(
                f"shell takes a list of strings, got {argv!r}",
                fix="pass the shell and its option as a list, e.g. ['/bin/bash', '-c']",
                where=where(origin),
            )
        return self._with(validated(Shell, origin, argv=tuple(argv), origin=origin))

    # -- composition ----------------------------------------------------------------

    @_checked_options
    def named(self, name: str) -> Image:
        """Give the image a name for people (progress, errors, Dockerfile stage names)."""
        origin = caller_origin()
        if not isinstance(name, str):
            raise SpecError(
                f"image name is {type(name).__name__}, not a string",
                fix="give the name as a string",
                where=where(origin),
            )
        if not name.strip():
            raise SpecError(
                "image name is empty", fix="give a non-empty name, or none", where=where(origin)
            )
        return Image._make(
            self._base,
            self._steps,
            name=name,
            origin=self._origin,
            workdir=self._workdir,
            env_names=self._env_names,
            platform=self._platform,
        )

    @_checked_options
    def apply(self, fragment: Callable[[Image], Image]) -> Image:
        """Apply a reusable fragment, a function ``Image -> Image``."""
        if not callable(fragment):
            raise SpecError(
                f".apply() got {type(fragment).__name__}, not a function",
                fix="pass a function that takes an Image and returns one",
                where=where(caller_origin()),
            )
        result = fragment(self)
        if not isinstance(result, Image):
            raise SpecError(
                f"fragment {getattr(fragment, '__name__', fragment)!r} returned "
                f"{type(result).__name__}, not an Image",
                fix="return the Image the fragment built",
                where=where(caller_origin()),
            )
        return result

    def __truediv__(self, path: str) -> StagePath:
        """``image / "/out/app"``: a path inside this image, to copy into another."""
        origin = caller_origin()
        return validated(StagePath, origin, image=self, path=path, origin=origin)

    # -- value semantics -------------------------------------------------------------

    def _meaning(self) -> tuple[object, ...]:
        return (self._base, self._platform, self._steps, self._name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Image):
            return NotImplemented
        return self is other or (hash(self) == hash(other) and self._meaning() == other._meaning())

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(self._meaning()))
        assert self._hash is not None
        return self._hash

    def __repr__(self) -> str:
        platform = "" if self._platform is None else f", platform={self._platform!r}"
        return f"Image(base={self._base!r}{platform}, steps={self._steps!r}, name={self._name!r})"

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(
            f"an Image is immutable: .{name} cannot be set (each method returns a new Image)"
        )

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"an Image is immutable: .{name} cannot be deleted")

    def __copy__(self) -> Image:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Image:
        return self

    if not TYPE_CHECKING:  # a type checker should still flag an unknown name

        def __getattr__(self, name: str) -> NoReturn:
            """Only called for a name the class does not have: say which ones it has."""
            if name.startswith("_"):
                raise AttributeError(f"'Image' object has no attribute {name!r}")
            raise _unknown_instruction(name)


# Dockerfile instructions an Image spells another way, for the "did you mean" hint.
_SPELLED_AS = {"from": "from_", "maintainer": "label"}


def _unknown_instruction(name: str) -> UnknownInstruction:
    import difflib

    public = [n for n in dir(Image) if not n.startswith("_")]
    attributes = [n for n in public if isinstance(getattr(Image, n), property)]
    methods = [n for n in public if n not in attributes]
    close = difflib.get_close_matches(name.lower(), public, n=1)
    suggestion = _SPELLED_AS.get(name.lower()) or (close[0] if close else None)
    hint = f"did you mean .{suggestion}? " if suggestion else ""
    return UnknownInstruction(
        f"an Image has no .{name}",
        fix=f"{hint}an Image's methods are {', '.join('.' + m for m in methods)};"
        f" its attributes {', '.join('.' + a for a in attributes)}",
        where=where(caller_origin()),
    )


class StagePath(Model):
    """A path inside another image; copying it makes that image a stage."""

    kind: Literal["stage"] = field(default="stage", init=False)
    image: Image
    path: str
    origin: Origin | None = origin_field()

    def _check(self) -> None:
        check_path(self.path, "stage path", absolute=True)
        if any(c in self.path for c in "*?["):
            raise SpecError(
                f"stage path {self.path!r} contains a wildcard",
                fix="copy the directory that holds the files (wildcards are not expanded)",
            )

    def describe(self) -> str:
        return f"{self.image.name or 'stage'}:{self.path}"


complete_types(Copy, StagePath=StagePath)
complete_types(Bind, StagePath=StagePath)


def _check_reference(ref: str, origin: Origin | None) -> None:
    if not _REFERENCE.fullmatch(ref):
        raise SpecError(
            f"image reference {ref!r} is not valid",
            fix="give a reference like 'python:3.11-slim' or 'registry/name@sha256:...'",
            where=where(origin),
        )


def _check_platform(base: object, platform: object, origin: Origin | None) -> None:
    if not isinstance(base, str):
        raise SpecError(
            "Image.from_(image, platform=...): a platform picks a platform of an image"
            " reference; an image built on another Image runs on that image's platform",
            fix="give platform= to the Image.from_('reference', ...) it starts from",
            where=where(origin),
        )
    if platform == BUILD_PLATFORM:
        return
    problem = platform_problem(platform)
    if problem is not None:
        raise SpecError(
            problem,
            fix="give os/arch[/variant] as docker build --platform takes it, e.g."
            " 'linux/amd64', 'linux/arm64', 'linux/arm/v7', or BUILD_PLATFORM",
            where=where(origin),
        )


def _command(
    command: Command, what: str, origin: Origin | None
) -> tuple[tuple[str, ...] | None, str | None]:
    if isinstance(command, str):
        return None, command
    if isinstance(command, Sequence) and all(isinstance(a, str) for a in command):
        return tuple(command), None
    raise SpecError(
        f"{what} command must be a string or a list of strings, got {command!r}",
        fix="pass 'shell command' or ['program', 'arg', ...]",
        where=where(origin),
    )


def _pairs(values: object, what: str, origin: Origin | None) -> tuple[tuple[str, str], ...]:
    if not isinstance(values, Mapping):
        raise SpecError(
            f"{what} values are a {type(values).__name__}, not a mapping",
            fix="pass NAME=value pairs, or a dict: {'NAME': 'value'}",
            where=where(origin),
        )
    for key, value in values.items():
        if not isinstance(value, str):
            raise SpecError(
                f"{what} value for {key!r} is {type(value).__name__}, not a string",
                fix=f"convert it: {key}=str(value)",
                where=where(origin),
            )
    return tuple(values.items())


def _seconds(value: object, what: str, origin: Origin | None) -> float | None:
    """Seconds from a number or ``timedelta``; ``None`` stays unset."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    from datetime import timedelta  # loaded only by a pipeline that passes one

    if isinstance(value, timedelta):
        return value.total_seconds()
    raise SpecError(
        f"{what} is {type(value).__name__}, not a number of seconds",
        fix="give seconds as an int or float (e.g. 30 or 0.5), a timedelta, or None",
        where=where(origin),
    )
