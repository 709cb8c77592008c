"""`indexadvisor report`: a CI result, and exit 1 when --fail-on matches."""

from __future__ import annotations

import typer

from indexadvisor.cli.analysis import AnalysisArgs, with_analysis
from indexadvisor.cli.options import BaselineOpt, CIFormat, CIFormatOpt, FailOnOpt, FromOpt, OutputOpt
from indexadvisor.cli.output import note, refuse_overwriting_inputs, write
from indexadvisor.errors import ExitCode
from indexadvisor.report.ci import renderer
from indexadvisor.report.gate import evaluate, parse_fail_on, summary_line
from indexadvisor.report.load import load_report

_MARKDOWN = CIFormat("markdown")


@with_analysis
def report(
    args: AnalysisArgs,
    from_: FromOpt = None,
    format: CIFormatOpt = _MARKDOWN,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    baseline: BaselineOpt = None,
) -> None:
    """A CI result (markdown, SARIF, JUnit, GitHub annotations, JSON); exit 1 when --fail-on matches."""
    refuse_overwriting_inputs(output, [*args.inputs(), from_, baseline])
    policy = parse_fail_on(fail_on or [])
    old = load_report(baseline) if baseline is not None else None
    current = args.report(from_)
    result = evaluate(current, policy, old, str(baseline) if baseline is not None else None)
    if format.value != "github" or output is not None:
        note(summary_line(current, result))
    write(renderer(format.value)(current, result), output)
    if result.failed:
        raise typer.Exit(int(ExitCode.FINDINGS))

