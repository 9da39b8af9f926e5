"""A command's exit without the interpreter's final garbage collections.

As the interpreter exits it runs the cyclic garbage collector over every object still
alive, several times, while it clears the modules: with the engines, the event loop and
the plan loaded that is some 50-60 ms on a two-core machine, a tenth of a one-file
rebuild. Freezing every object into the collector's permanent generation (``gc.freeze``)
at exit leaves those collections nothing to walk. Modules are still cleared, objects
still freed by reference counting, buffered files still flushed; only objects in
reference cycles that are alive at exit are not collected, which Python never promised
to do at exit anyway.
"""

from __future__ import annotations

import atexit
import functools
import gc

__all__ = ["skip_exit_collections"]


@functools.cache  # once per process
def skip_exit_collections() -> None:
    """Freeze the heap when the interpreter exits (with :mod:`atexit`; the atexit
    functions registered before and after still run)."""
    atexit.register(gc.freeze)
