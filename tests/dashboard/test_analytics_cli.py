"""`epigrid analytics rt`: EpiEstim's table from a CSV; every kind of bad input is one line and status 2."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from epigrid import cli
from epigrid.dashboard.management.commands.analytics import (
    COLUMNS,
    COUNT_EMPTY_ERROR,
    COUNT_ERROR,
    DATE_ERROR,
    DATE_GAP_ERROR,
    DATE_ORDER_ERROR,
    DATE_REPEAT_ERROR,
    EMPTY_FILE_ERROR,
    FIELDS_ERROR,
    HEADER_ERROR,
    HEADER_UNKNOWN_ERROR,
    NO_ROWS_ERROR,
    READ_ERROR,
)
from epigrid.lib.rt import SHORT_ERROR, SI_MEAN_ERROR, SI_SD_ERROR, WINDOW_ERROR

FIXTURES = Path(__file__).parent.parent / "lib" / "epiestim"
FLU = FIXTURES / "flu2009_incidence.csv"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("analytics", "rt", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _assert_table_equals(text: str, fixture: str) -> None:
    mine = list(csv.DictReader(io.StringIO(text)))
    with (FIXTURES / fixture).open() as f:
        reference = list(csv.DictReader(f))
    assert len(mine) == len(reference)
    for row, ref in zip(mine, reference, strict=True):
        assert row["t_start"] == ref["t_start"] and row["t_end"] == ref["t_end"]
        for column in COLUMNS[2:]:
            if ref[column] == "NA":
                assert row[column] == "NA"
            else:
                assert abs(float(row[column]) - float(ref[column])) <= 1e-12 * abs(float(ref[column]))


def test_flu2009_equals_epiestim():
    text = _run("--incidence", str(FLU), "--si-mean", "2.6", "--si-sd", "1.5")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    _assert_table_equals(text, "flu2009_rt.csv")


def test_imported_column_window_and_priors():
    text = _run(
        "--incidence", str(FIXTURES / "flu2009_imported_incidence.csv"), "--si-mean", "2.6", "--si-sd", "1.5"
    )
    _assert_table_equals(text, "flu2009_imported_rt.csv")
    text = _run(
        "--incidence", str(FLU), "--si-mean", "4.8", "--si-sd", "2.3",
        "--window", "3", "--prior-mean", "2", "--prior-sd", "1",
    )  # fmt: skip
    assert text.splitlines()[1] == "2,4,NA,NA,NA,NA,NA,NA,NA,NA,NA"
    _assert_table_equals(text, "flu2009_w3_rt.csv")


def test_output_file_and_reliability_columns(tmp_path):
    target = tmp_path / "rt.csv"
    printed = _run("--incidence", str(FLU), "--si-mean", "2.6", "--si-sd", "1.5", "--output", str(target))
    assert printed == ""
    _assert_table_equals(target.read_text(), "flu2009_rt.csv")
    text = _run("--incidence", str(FLU), "--si-mean", "2.6", "--si-sd", "1.5", "--with-reliability")
    header, first = text.splitlines()[:2]
    assert header == ",".join(COLUMNS) + ",cases,reliable"
    assert first.endswith(",17,TRUE")  # Flu2009 days 2..8: 1 + 0 + 2 + 5 + 3 + 3 + 3 local cases
    _assert_table_equals(text, "flu2009_rt.csv")


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "incidence.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _days(n: int, start: int = 1) -> str:
    return "".join(f"2020-01-{d:02d},{d}\n" for d in range(start, start + n))


GOOD = "date,local\n" + _days(10)
F = "{file}"


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("date,local\n2020-01-01,1\n2020-01-02,2\n2020-01-04,3\n" + _days(8, 5), [],
         DATE_GAP_ERROR.format(file=F, line=4, day="2020-01-04", before="2020-01-02", previous=3,
                               missing="1 day")),
        ("date,local\n2020-01-01,1\n2020-01-05,2\n" + _days(8, 6), [],
         DATE_GAP_ERROR.format(file=F, line=3, day="2020-01-05", before="2020-01-01", previous=2,
                               missing="3 days")),
        ("date,local\n2020-01-02,1\n2020-01-01,2\n", [],
         DATE_ORDER_ERROR.format(file=F, line=3, day="2020-01-01", before="2020-01-02", previous=2)),
        ("date,local\n2020-01-01,1\n2020-01-01,2\n", [],
         DATE_REPEAT_ERROR.format(file=F, line=3, day="2020-01-01", previous=2)),
        ("date,local\n2020-01-01,1\n2020/01/02,2\n", [],
         DATE_ERROR.format(file=F, line=3, value="2020/01/02")),
        ("date,local\n2020-01-01,1\n2020-01-02,-3\n", [],
         COUNT_ERROR.format(file=F, line=3, field="local", value="-3")),
        ("date,local\n2020-01-01,1\n2020-01-02,2.5\n", [],
         COUNT_ERROR.format(file=F, line=3, field="local", value="2.5")),
        ("date,local\n2020-01-01,1\n2020-01-02,\n", [],
         COUNT_EMPTY_ERROR.format(file=F, line=3, field="local")),
        ("date,local,imported\n2020-01-01,1,0\n2020-01-02,2,x\n", [],
         COUNT_ERROR.format(file=F, line=3, field="imported", value="x")),
        ("date,local\n2020-01-01,1,4\n", [], FIELDS_ERROR.format(file=F, line=2, found=3, expected=2)),
        ("date,imported\n2020-01-01,1\n", [], HEADER_ERROR.format(file=F, missing="local")),
        ("day,cases\n2020-01-01,1\n", [], HEADER_UNKNOWN_ERROR.format(file=F, column="day")),
        ("local\n1\n", [], HEADER_ERROR.format(file=F, missing="date")),
        ("", [], EMPTY_FILE_ERROR.format(file=F)),
        ("date,local\n", [], NO_ROWS_ERROR.format(file=F)),
        (b"date,local\n2020-01-01,\xff\n", [], READ_ERROR.format(file=F, reason="REASON")),
        ("date,local\n" + _days(5), [], SHORT_ERROR.format(days=5, window=7, need=8)),
        (GOOD, ["--si-mean", "1"], SI_MEAN_ERROR),
        (GOOD, ["--si-mean", "0.8"], SI_MEAN_ERROR),
        (GOOD, ["--si-sd", "0"], SI_SD_ERROR),
        (GOOD, ["--window", "1"], WINDOW_ERROR),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_status_2(tmp_path, content, args, message):
    path = _write(tmp_path, content)
    options = {"--si-mean": "2.6", "--si-sd": "1.5"}
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["--incidence", str(path), *[x for kv in options.items() for x in kv]]
    with pytest.raises(CommandError) as info:
        _run(*argv)
    assert info.value.returncode == 2
    text = str(info.value)
    assert "\n" not in text
    expected = message.replace(F, str(path))
    if "REASON" in expected:
        assert text.startswith(expected.split("REASON")[0]) and "decode" in text
    else:
        assert text == expected


def test_unreadable_file(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(CommandError) as info:
        _run("--incidence", str(missing), "--si-mean", "2.6", "--si-sd", "1.5")
    assert str(info.value) == READ_ERROR.format(file=missing, reason="No such file or directory")
    assert info.value.returncode == 2
    with pytest.raises(CommandError) as info:
        _run("--incidence", str(tmp_path), "--si-mean", "2.6", "--si-sd", "1.5")
    assert str(info.value).startswith(f"{tmp_path}: cannot read the file (")


def test_the_epigrid_command_exits_2_with_one_line_and_no_traceback(tmp_path, capsys):
    path = _write(tmp_path, "date,local\n2020-01-01,1\n2020-01-03,2\n")
    with pytest.raises(SystemExit) as info:
        cli.main(["analytics", "rt", "--incidence", str(path), "--si-mean", "2.6", "--si-sd", "1.5"])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    expected = DATE_GAP_ERROR.format(
        file=path, line=3, day="2020-01-03", before="2020-01-01", previous=2, missing="1 day"
    )
    assert captured.err == f"CommandError: {expected}\n"
    with pytest.raises(SystemExit) as info:
        cli.main(["analytics", "rt", "--incidence", str(FLU), "--si-mean", "1", "--si-sd", "1.5"])
    assert info.value.code == 2
    assert capsys.readouterr().err == f"CommandError: {SI_MEAN_ERROR}\n"


def test_the_epigrid_command_prints_the_table(capsys):
    assert cli.main(["analytics", "rt", "--incidence", str(FLU), "--si-mean", "2.6", "--si-sd", "1.5"]) == 0
    _assert_table_equals(capsys.readouterr().out, "flu2009_rt.csv")


def test_blank_lines_and_a_byte_order_mark_are_fine(tmp_path):
    text = FLU.read_text()
    path = _write(tmp_path, ("\ufeff" + text + "\n\n").encode("utf-8"))
    _assert_table_equals(
        _run("--incidence", str(path), "--si-mean", "2.6", "--si-sd", "1.5"), "flu2009_rt.csv"
    )


def test_usage_names_the_command():
    assert "epigrid analytics rt --incidence FILE.csv --si-mean D --si-sd D" in cli.USAGE_EXTRA
