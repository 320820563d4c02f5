"""`epigrid analytics rt`: the effective reproduction number of a daily incidence CSV, as EpiEstim.

An analyst's check on the dashboard's Rt: the same numbers as R's
``EpiEstim::estimate_R(method = "parametric_si")`` for a CSV with the header ``date,local`` or
``date,local,imported`` (ISO dates, one row per day, no gaps). The output is EpiEstim's table
``t_start,t_end,mean,std,q025,q05,q25,median,q75,q95,q975`` (1-based day indices, NA where EpiEstim
gives none), so it can be compared with R's output column by column; ``--with-reliability`` adds
``cases,reliable`` after those columns. Bad input is refused with one line naming the line of the
file and the field, and exit status 2. No database is needed or touched.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from epigrid.lib.rt import RtError, RtWindow, rt_estimate

COLUMNS = ("t_start", "t_end", "mean", "std", "q025", "q05", "q25", "median", "q75", "q95", "q975")
EXTRA_COLUMNS = ("cases", "reliable")

READ_ERROR = "{file}: cannot read the file ({reason})"
EMPTY_FILE_ERROR = "{file}: the file is empty"
HEADER_ERROR = "{file} line 1: the header must be date,local or date,local,imported; missing: {missing}"
HEADER_UNKNOWN_ERROR = "{file} line 1: unknown column {column!r} (allowed: date, local, imported)"
HEADER_REPEAT_ERROR = "{file} line 1: column {column!r} appears twice"
NO_ROWS_ERROR = "{file}: no data rows after the header"
FIELDS_ERROR = "{file} line {line}: {found} fields where the header has {expected}"
DATE_ERROR = "{file} line {line}, field date: {value!r} is not an ISO date (YYYY-MM-DD)"
DATE_REPEAT_ERROR = "{file} line {line}, field date: {day} repeats the date of line {previous}"
DATE_ORDER_ERROR = (
    "{file} line {line}, field date: {day} comes before {before} on line {previous}; sort by date"
)
DATE_GAP_ERROR = (
    "{file} line {line}, field date: {day} follows {before} (line {previous}): {missing} missing; "
    "give every day, with 0 for days without cases"
)
COUNT_EMPTY_ERROR = "{file} line {line}, field {field}: empty; write 0 for a day without cases"
COUNT_ERROR = "{file} line {line}, field {field}: {value!r} is not a whole number >= 0"
OUTPUT_ERROR = "{file}: cannot write the output ({reason})"


class Command(BaseCommand):
    help = "Epidemic analytics on CSV files (no database): `rt`, the effective reproduction number."
    requires_system_checks: list[str] = []  # an analyst's tool: works without a configured database

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rt = sub.add_parser(
            "rt",
            help="Rt over sliding windows (Cori et al. 2013), the same numbers as EpiEstim's estimate_R",
        )
        rt.add_argument(
            "--incidence",
            required=True,
            type=Path,
            help="CSV with the header date,local[,imported]: one row per day, ISO dates, no gaps",
        )
        rt.add_argument("--si-mean", required=True, type=float, help="serial interval mean in days (> 1)")
        rt.add_argument("--si-sd", required=True, type=float, help="serial interval standard deviation (> 0)")
        rt.add_argument("--window", type=int, default=7, help="window length in days (default 7)")
        rt.add_argument("--prior-mean", type=float, default=5.0, help="prior mean of R (default 5)")
        rt.add_argument(
            "--prior-sd", type=float, default=5.0, help="prior standard deviation of R (default 5)"
        )
        rt.add_argument("--output", type=Path, default=None, help="write the CSV here instead of stdout")
        rt.add_argument(
            "--with-reliability",
            action="store_true",
            help="add the columns cases (local cases in the window) and reliable (at least 12 of them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["incidence"]
        local, imported = incidence_read(path)
        try:
            estimate = rt_estimate(
                local,
                imported,
                si_mean=options["si_mean"],
                si_sd=options["si_sd"],
                window=options["window"],
                prior_mean=options["prior_mean"],
                prior_sd=options["prior_sd"],
            )
        except RtError as exc:
            raise CommandError(str(exc), returncode=2) from None
        text = rt_csv(estimate.windows, with_reliability=options["with_reliability"])
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                OUTPUT_ERROR.format(file=output, reason=exc.strerror or exc), returncode=2
            ) from None


def _number(value: float | None) -> str:
    return "NA" if value is None else repr(value)


def rt_csv(windows: tuple[RtWindow, ...], *, with_reliability: bool = False) -> str:
    """EpiEstim's R table as CSV; floats as Python's shortest round-trip repr, NA for no estimate."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS + EXTRA_COLUMNS if with_reliability else COLUMNS)
    for w in windows:
        row = [str(w.t_start), str(w.t_end)]
        row += [_number(v) for v in (w.mean, w.std, w.q025, w.q05, w.q25, w.median, w.q75, w.q95, w.q975)]
        if with_reliability:
            row += [str(w.cases), "TRUE" if w.reliable else "FALSE"]
        writer.writerow(row)
    return out.getvalue()


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _count(raw: str, *, file: Path, line: int, field: str) -> int:
    text = raw.strip()
    if not text:
        raise _fail(COUNT_EMPTY_ERROR.format(file=file, line=line, field=field))
    if not text.isascii() or not text.isdigit():
        raise _fail(COUNT_ERROR.format(file=file, line=line, field=field, value=raw))
    return int(text)


def _header(row: list[str], file: Path) -> list[str]:
    names = [name.strip().lower() for name in row]
    for name in names:
        if name not in ("date", "local", "imported"):
            raise _fail(HEADER_UNKNOWN_ERROR.format(file=file, column=name))
        if names.count(name) > 1:
            raise _fail(HEADER_REPEAT_ERROR.format(file=file, column=name))
    missing = [name for name in ("date", "local") if name not in names]
    if missing:
        raise _fail(HEADER_ERROR.format(file=file, missing=", ".join(missing)))
    return names


def incidence_parse(stream: TextIO, file: Path) -> tuple[list[int], list[int] | None]:
    """Daily local (and imported) counts from the CSV, checked day by day; CommandError on bad input."""
    reader = csv.reader(stream)
    first = next(reader, None)
    if first is None:
        raise _fail(EMPTY_FILE_ERROR.format(file=file))
    names = _header(first, file)
    index = {name: i for i, name in enumerate(names)}
    local: list[int] = []
    imported: list[int] = []
    previous_day: dt.date | None = None
    previous_line = 0
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank lines, e.g. at the end of the file
        if len(row) != len(names):
            raise _fail(FIELDS_ERROR.format(file=file, line=line, found=len(row), expected=len(names)))
        raw_day = row[index["date"]].strip()
        try:
            day = dt.date.fromisoformat(raw_day)
        except ValueError:
            raise _fail(DATE_ERROR.format(file=file, line=line, value=raw_day)) from None
        if previous_day is not None:
            gap = (day - previous_day).days
            where = {
                "file": file,
                "line": line,
                "day": day,
                "before": previous_day,
                "previous": previous_line,
            }
            if gap == 0:
                raise _fail(DATE_REPEAT_ERROR.format(file=file, line=line, day=day, previous=previous_line))
            if gap < 0:
                raise _fail(DATE_ORDER_ERROR.format(**where))
            if gap > 1:
                missing = f"{gap - 1} day" + ("s" if gap > 2 else "")
                raise _fail(DATE_GAP_ERROR.format(**where, missing=missing))
        previous_day, previous_line = day, line
        local.append(_count(row[index["local"]], file=file, line=line, field="local"))
        if "imported" in index:
            imported.append(_count(row[index["imported"]], file=file, line=line, field="imported"))
    if not local:
        raise _fail(NO_ROWS_ERROR.format(file=file))
    return local, (imported if "imported" in index else None)


def incidence_read(path: Path) -> tuple[list[int], list[int] | None]:
    """Read and check the incidence CSV at ``path`` (UTF-8, a byte-order mark is allowed)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return incidence_parse(stream, path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _fail(READ_ERROR.format(file=path, reason=reason)) from None
    except csv.Error as exc:
        raise _fail(READ_ERROR.format(file=path, reason=f"not a CSV file: {exc}")) from None
