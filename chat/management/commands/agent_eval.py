"""`python manage.py agent_eval [--verbose] [--case ID ...] [--as-of YYYY-MM-DD]`: runs the agent eval cases.

Each case uses its own throwaway user (deleted afterwards), through the public chat path.
The last line is always "N passed, M failed"; the exit status is 1 when any case failed.
`--as-of` runs it with the clock moved to that day (time-machine): a case that passes on a
Tuesday and fails on a Saturday is a date-dependent case or a weekday bug, and the seven days of
one week find it before a weekend run does.
"""

import asyncio
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from chat.evals.harness import EVAL_TIMEZONE, load_cases, report, run_eval


class Command(BaseCommand):
    help = "Runs the agent eval (chat/evals/cases.json) through ChatTurn and prints the failures."

    def add_arguments(self, parser):
        parser.add_argument("--verbose", action="store_true", help="Show every case with its transcript.")
        parser.add_argument("--case", action="append", dest="cases", metavar="ID", help="Run only this case (repeatable).")
        parser.add_argument(
            "--cases-file", type=Path, default=None,
            help="Another case file, e.g. chat/evals/holdout.json (cases written after the model, never tuned on).",
        )
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
            help="Run as if today were this day (noon in the eval's time zone).",
        )

    def handle(
        self, *args, verbose: bool = False, cases: list[str] | None = None, cases_file: Path | None = None,
        as_of: date | None = None, **options,
    ):
        loaded = load_cases(cases_file) if cases_file else None
        if as_of is None:
            results = asyncio.run(run_eval(case_ids=cases, cases=loaded))
        else:
            try:
                import time_machine  # development only (requirements-dev.txt)
            except ImportError:
                raise CommandError("--as-of needs time-machine: `make install-dev` installs it.") from None

            with time_machine.travel(datetime.combine(as_of, time(12), ZoneInfo(EVAL_TIMEZONE)), tick=True):
                results = asyncio.run(run_eval(case_ids=cases, cases=loaded))
        self.stdout.write(report(results, verbose=verbose))
        if any(not r.passed for r in results):
            sys.exit(1)
