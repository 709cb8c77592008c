"""Stable identities for the problems a report raises, so CI can compare two reports.

A proposal is identified by what the index is (table, method, keys, INCLUDE, WHERE),
not by its name or its estimated benefit, which move when the workload moves; a
finding by its kind and the objects it is about. The same problem in two runs gets
the same id, which is what `report --baseline` and SARIF fingerprints rely on.
"""

from __future__ import annotations

import hashlib

from indexadvisor.model import Finding, Recommendation
from indexadvisor.pg.sql import render_key

PROPOSAL_RULE = "proposed_index"


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def recommendation_id(r: Recommendation) -> str:
    keys = ",".join(render_key(k) for k in r.keys)
    return f"{PROPOSAL_RULE}:{_digest(r.schema, r.table, r.method, keys, ','.join(r.include), r.where or '')}"


def finding_id(f: Finding) -> str:
    objects = [f.index or "", f.related or ""]
    if f.kind == "duplicate_index":
        objects.sort()  # a duplicate pair is the same problem whichever index is named first
    return f"{f.kind}:{_digest(f.kind, f.table, *objects)}"
