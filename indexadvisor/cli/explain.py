"""`indexadvisor explain N`: one recommendation in full, from a saved JSON report or a fresh analysis."""

from __future__ import annotations

from indexadvisor.cli.analysis import AnalysisArgs, with_analysis
from indexadvisor.cli.options import FromOpt, NumberArg, OutputOpt
from indexadvisor.cli.output import refuse_overwriting_inputs, write
from indexadvisor.report import explain as explain_report
from indexadvisor.report.table import terminal_width


@with_analysis
def explain(args: AnalysisArgs, number: NumberArg, from_: FromOpt = None, output: OutputOpt = None) -> None:
    """One recommendation in full: why, its estimate, its DDL, each statement it serves with its cost before and after.

    From a saved report (`explain 3 --from report.json`, written by `analyze --format json`), or analysed
    afresh with the same sources and options as `analyze` (`explain 3 workload.sql --schema schema.sql`).
    """
    refuse_overwriting_inputs(output, [*args.inputs(), from_])
    report = args.report(from_)
    write(explain_report.render(report, number, width=terminal_width(to_stdout=output is None)), output)
