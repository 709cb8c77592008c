"""`indexadvisor analyze`: propose indexes for a workload."""

from __future__ import annotations

from indexadvisor.cli.analysis import AnalysisArgs, with_analysis
from indexadvisor.cli.options import AnalyzeFormat, AnalyzeFormatOpt, OutputOpt, VerboseOpt
from indexadvisor.cli.output import refuse_overwriting_inputs, write
from indexadvisor.report import html as html_report
from indexadvisor.report import json as json_report
from indexadvisor.report import table as table_report


@with_analysis
def analyze(args: AnalysisArgs, format: AnalyzeFormatOpt = AnalyzeFormat.table, output: OutputOpt = None,
            verbose: VerboseOpt = False) -> None:
    """Propose indexes for a workload."""
    refuse_overwriting_inputs(output, args.inputs())
    report = args.run()
    if format is AnalyzeFormat.json:
        write(json_report.render(report), output)
    elif format is AnalyzeFormat.html:
        write(html_report.render(report), output)
    else:  # sized to the terminal (COLUMNS, the tty's width, or 100 when piped or to a file)
        width = table_report.terminal_width(to_stdout=output is None)
        write(table_report.render(report, width=width, verbose=verbose), output)
