"""JUnit XML: one test case per statement shape and one per health check, failing on gated problems.

CI systems that read JUnit (GitLab merge requests, Jenkins, Azure) then show which
statement lacks an index, and the build's test tab lists the rest as passing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from indexadvisor.model import Report
from indexadvisor.report.gate import GateResult, Problem, parse_location
from indexadvisor.report.identity import PROPOSAL_RULE

STATEMENTS = "indexadvisor.statements"
HEALTH = "indexadvisor.health"

# XML 1.0 cannot hold C0 controls other than tab, LF and CR, not even as &#27; (a parser stops there), nor lone
# surrogates, U+FFFE or U+FFFF; DEL, C1 controls and bidi overrides it can, but whatever shows the file (a
# terminal, a CI page) would act on them
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def render(report: Report, result: GateResult) -> str:
    root = ET.Element("testsuites", name="indexadvisor")
    by_fp: dict[str, list[Problem]] = defaultdict(list)
    for p in result.problems:
        if p.rule == PROPOSAL_RULE and p.recommendation:
            for fp in p.recommendation.statements:
                by_fp[fp].append(p)

    suite = ET.SubElement(root, "testsuite", name=STATEMENTS)
    for st in report.statements:
        case = ET.SubElement(suite, "testcase", classname=STATEMENTS, name=st.location)
        loc = parse_location(st.location)
        if loc is not None:
            case.set("file", loc.path)
            if loc.line:
                case.set("line", str(loc.line))
        mine = by_fp.get(st.fingerprint, [])
        gated = [p for p in mine if p.gated]
        skipped = next((n for n in st.notes if n.startswith("not analysed")), None)
        if gated:
            failure = ET.SubElement(case, "failure", type=PROPOSAL_RULE,
                                    message="; ".join(p.title for p in gated))
            failure.text = "\n".join(p.message for p in gated)
        elif skipped:
            ET.SubElement(case, "skipped", message=skipped)
        out = [f"{st.calls} call(s): {' '.join(st.sql.split())[:500]}"]
        out += [f"proposed: {p.index} ({'new' if p.new else 'known'})" for p in mine]
        out += [f"served by: {name}" for name in st.served_by_existing]
        out += [f"note: {n}" for n in st.notes]
        ET.SubElement(case, "system-out").text = "\n".join(out)
    _totals(suite)

    kinds: list[str] = []
    for p in result.problems:
        if p.rule != PROPOSAL_RULE and p.rule not in kinds:
            kinds.append(p.rule)
    kinds += sorted(k for k in result.policy.kinds if k not in kinds)
    health = ET.SubElement(root, "testsuite", name=HEALTH)
    for kind in kinds:
        case = ET.SubElement(health, "testcase", classname=HEALTH, name=kind)
        found = [p for p in result.problems if p.rule == kind]
        gated = [p for p in found if p.gated]
        if gated:
            failure = ET.SubElement(case, "failure", type=kind, message=f"{len(gated)} new {kind} finding(s)")
            failure.text = "\n".join(p.message for p in gated)
        if found:
            ET.SubElement(case, "system-out").text = "\n".join(
                f"{p.message} ({'new' if p.new else 'known'})" for p in found)
    _totals(health)

    root.set("tests", str(sum(int(s.get("tests", "0")) for s in root)))
    root.set("failures", str(sum(int(s.get("failures", "0")) for s in root)))
    root.set("errors", "0")
    root.set("skipped", str(sum(int(s.get("skipped", "0")) for s in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_text(ET.tostring(root, encoding="unicode")) + "\n"


def xml_text(text: str) -> str:
    """text with what XML 1.0 cannot hold written out as \\xNN or \\uNNNN (SQL literals and identifiers may hold ESC)."""
    return _NOT_XML.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _totals(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
