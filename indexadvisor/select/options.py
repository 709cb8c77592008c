"""The options of a selection, with the defaults the CLI shows (one place for both)."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexadvisor.candidates.kinds import ALL_KINDS
from indexadvisor.model import WriteWindow

# A budget is a ceiling on the bytes built, and an index's size is an estimate (within 2% in
# sum of what CREATE INDEX wrote for 40 indexes on three databases: costing/btree_size.py), so
# a set is filled to the budget less this share.
SIZE_MARGIN = 0.02


@dataclass
class SelectionOptions:
    budget_bytes: int | None = None
    max_indexes: int | None = None
    min_improvement: float = 0.01  # share of the weighted workload cost
    weight: str = "calls"  # calls | time
    max_width: int = 3
    write_cost: bool = True
    # charge pg_stat_user_tables write counters for what they wrote within this window (set when
    # the workload comes from pg_stat_statements: select/economics.py counted_writes)
    write_window: WriteWindow | None = None
    # index kinds to propose (indexadvisor.candidates.kinds.KINDS; the plain B-tree is always on)
    kinds: frozenset[str] = field(default_factory=lambda: ALL_KINDS)
    # database sessions the planner's costing runs over (None: from the machine's and the
    # server's cores, costing.hypopg.auto_jobs); the advice is the same for any number
    jobs: int | None = None

    def fits(self, used: int, size: int) -> bool:
        """Whether an index of `size` estimated bytes fits the budget next to `used` ones (SIZE_MARGIN)."""
        return self.budget_bytes is None or (used + size) * (1.0 + SIZE_MARGIN) <= self.budget_bytes
