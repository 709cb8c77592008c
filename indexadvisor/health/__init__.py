"""Index health: what the existing indexes cost for nothing, and the indexes foreign keys lack.

One module per check, each with its kind, a title, a docstring that shows the
anti-pattern and the fix (usable as help text), `cannot_run(ctx)` saying why it
cannot run on this catalog (or None) and `run(ctx)` returning its findings:

    invalid_index     invalid.py     a failed (concurrent) build left an INVALID index
    duplicate_index   duplicate.py   same keys, opclasses, collations, predicate and method
    redundant_index   redundant.py   a B-tree that is a left prefix of another
    unused_index      unused.py      idx_scan = 0 over enough days of evidence
    fk_without_index  fk.py          a foreign key whose columns lead no index

They run in that order over one shared Context, so an index gets at most one
finding, and an index that another finding keeps is never called unused.

    from indexadvisor import health
    result = health.check(catalog)                       # catalog only
    result = health.check(catalog, parsed_statements)    # workload-aware "unused"
"""

from indexadvisor.health.advice import Audit, audit
from indexadvisor.health.checks import CHECKS, KINDS, check, help_text
from indexadvisor.health.common import SEVERITIES, HealthOptions, HealthResult, Skipped

__all__ = [
    "CHECKS",
    "KINDS",
    "SEVERITIES",
    "Audit",
    "HealthOptions",
    "HealthResult",
    "Skipped",
    "audit",
    "check",
    "help_text",
]
