"""The local build record: answers unchanged builds without BuildKit
(:mod:`framework.record.builds`) and explains, step by step, why a build will be cached
or rebuilt (:mod:`framework.record.explanation`). Kept in
``$XDG_CACHE_HOME/framework/records.sqlite3`` (:mod:`framework.record.store`);
deleting it is always safe. ``explain`` loads on first use (the build path needs only
:mod:`framework.record.builds`)."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framework.record.explanation import Change, Explanation, StepExplanation, explain

__all__ = ["Change", "Explanation", "StepExplanation", "explain"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from framework.record import explanation as module

        return getattr(module, name)
    raise AttributeError(f"module 'framework.record' has no attribute {name!r}")
