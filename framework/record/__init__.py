"""The local build record: answers unchanged builds without BuildKit
(:mod:`framework.record.builds`) and explains, step by step, why a build will be cached
or rebuilt (:mod:`framework.record.explain`). Kept in
``$XDG_CACHE_HOME/framework/records.sqlite3`` (:mod:`framework.record.store`);
deleting it is always safe."""

from framework.record.explain import Change, Explanation, StepExplanation, explain

__all__ = ["Change", "Explanation", "StepExplanation", "explain"]
