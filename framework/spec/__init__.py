"""What users build: ``Image``, its steps, sources, mounts and secrets.

``Image`` is a frozen plain class (see :mod:`framework.spec.image` for why); the values
it holds are frozen, typed values (:class:`framework.spec._base.Model`), validated when
made.
"""

from framework.spec._base import Origin
from framework.spec.image import Image, StagePath
from framework.spec.mounts import Bind, CacheMount, Secret, SecretUse, Tmpfs
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
)
from framework.spec.urls import Url

__all__ = [
    "Add",
    "Arg",
    "Bind",
    "CacheMount",
    "Cmd",
    "Context",
    "ContextPath",
    "Copy",
    "Entrypoint",
    "Env",
    "Expose",
    "Healthcheck",
    "Image",
    "Inline",
    "Label",
    "Origin",
    "Run",
    "Secret",
    "SecretUse",
    "Shell",
    "StagePath",
    "Step",
    "StopSignal",
    "Tmpfs",
    "Url",
    "User",
    "Volume",
    "Workdir",
]
