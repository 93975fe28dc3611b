"""`kg eval headwords`: accuracy in and out of the text, and the calibration table, on the bundled gold."""

from __future__ import annotations

from click.testing import CliRunner

from kg.cli import main


def test_eval_headwords_reports_accuracy_by_text_presence_and_confidence_bucket():
    result = CliRunner().invoke(main, ["eval", "headwords", "--lexical-only"])
    assert result.exit_code == 0, result.output
    out = result.output
    for row in ("all headword-less entries", "headword occurs in the text", "headword occurs nowhere in the text",
                "held-out split", "calibration: accuracy per confidence bucket", "0.8–1.0"):
        assert row in out
    total = next(line for line in out.splitlines() if line.startswith("| all headword-less entries"))
    right, entries = total.split("(")[1].split(")")[0].split("/")
    assert int(entries) == 161 and int(right) / int(entries) > 0.5
