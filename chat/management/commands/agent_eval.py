"""`python manage.py agent_eval [--verbose] [--case ID ...]`: runs the agent eval cases.

Each case uses its own throwaway user (deleted afterwards), through the public chat path.
The last line is always "N passed, M failed"; the exit status is 1 when any case failed.
"""

import asyncio
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from chat.evals.harness import load_cases, report, run_eval


class Command(BaseCommand):
    help = "Runs the agent eval (chat/evals/cases.json) through ChatTurn and prints the failures."

    def add_arguments(self, parser):
        parser.add_argument("--verbose", action="store_true", help="Show every case with its transcript.")
        parser.add_argument("--case", action="append", dest="cases", metavar="ID", help="Run only this case (repeatable).")
        parser.add_argument(
            "--cases-file", type=Path, default=None,
            help="Another case file, e.g. chat/evals/holdout.json (cases written after the model, never tuned on).",
        )

    def handle(self, *args, verbose: bool = False, cases: list[str] | None = None, cases_file: Path | None = None, **options):
        loaded = load_cases(cases_file) if cases_file else None
        results = asyncio.run(run_eval(case_ids=cases, cases=loaded))
        self.stdout.write(report(results, verbose=verbose))
        if any(not r.passed for r in results):
            sys.exit(1)
