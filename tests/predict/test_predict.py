"""``mipr predict``: the sample home's predicted rating, its ranges, and that what_would_change keeps its promise."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mipr_rules.api import Session
from mipr_rules.predict.report import PredictionReport

RATINGS = ("Inadequate", "Requires improvement", "Good", "Outstanding")


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    with Session(processes=1) as shared:
        yield shared


@pytest.fixture(scope="module")
def prediction(session: Session, sample_json: Path, as_of: dt.date) -> PredictionReport:
    return session.predict(source=str(sample_json), as_of=as_of)


def _kq(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(k for k in data["key_questions"] if k["key_question"] == name)


def test_sample_home_gets_a_predicted_rating_per_key_question_and_overall_with_ranges(
        prediction: PredictionReport) -> None:
    data = prediction.as_dict()
    assert data["kind"] == "prediction"
    assert data["ruleset"]["id"] == "saf-prediction-2024" and data["rating_ruleset"]["id"] == "saf-rating-2024"
    assert [k["key_question"] for k in data["key_questions"]] == ["Safe", "Effective", "Caring", "Responsive",
                                                                  "Well-led"]
    for kq in data["key_questions"]:
        assert kq["predicted_rating"] in RATINGS
        low, high = RATINGS.index(kq["range"]["low"]), RATINGS.index(kq["range"]["high"])
        assert low <= RATINGS.index(kq["predicted_rating"]) <= high
        assert kq["of"] == len(kq["statements"]) and kq["informed"] <= kq["of"]
        for s in kq["statements"]:
            assert s["predicted_score"] is None or 1 <= s["predicted_score"] <= 4
            assert s["basis"] and all(b["ruleset"]["id"] == "saf-prediction-2024" for b in s["basis"])
    assert data["overall"]["predicted_rating"] in RATINGS
    assert set(data["overall"]["range"]) == {"low", "high"}
    assert data["assumptions"]
    # the planted unnotified abuse allegation (critical, S3) scores S3 at 1
    safe = _kq(data, "Safe")
    assert next(s for s in safe["statements"] if s["id"] == "S3")["predicted_score"] == 1


def test_the_rating_is_what_mipr_rating_gives_for_the_predicted_scores(
        prediction: PredictionReport, session: Session, as_of: dt.date) -> None:
    from mipr_rules.rating import scores_from_data

    data = prediction.as_dict()
    scores = {s["id"]: s["predicted_score"] for k in data["key_questions"] for s in k["statements"]
              if s["predicted_score"] is not None}
    rated = session.rate(scores_from_data({"scores": scores}, "test"), as_of=as_of).as_dict()
    by_kq = {k["key_question"]: k for k in rated["key_questions"]}
    for kq in data["key_questions"]:
        assert by_kq[kq["key_question"]]["rating"] == kq["predicted_rating"]
        assert by_kq[kq["key_question"]]["percentage"] == kq["percentage"]


def test_resolving_what_would_change_names_gives_the_promised_band_for_every_entry(
        prediction: PredictionReport, session: Session, sample_json: Path, as_of: dt.date) -> None:
    ups = [c for c in prediction.as_dict()["what_would_change"] if c["direction"] == "up"]
    assert ups, "the sample home has alerts whose resolution raises a rating"
    for change in ups:
        again = session.predict(source=str(sample_json), as_of=as_of,
                                resolved=[a["alert"] for a in change["alerts"]]).as_dict()
        got = (again["overall"]["predicted_rating"] if change["key_question"] == "overall"
               else _kq(again, change["key_question"])["predicted_rating"])
        assert got == change["to_rating"]
        assert RATINGS.index(got) > RATINGS.index(change["from_rating"])


def test_a_home_without_caring_records_has_those_statements_null_and_a_wider_range(
        session: Session, no_caring_home: Path, as_of: dt.date) -> None:
    data = session.predict(source=str(no_caring_home), as_of=as_of).as_dict()
    caring = _kq(data, "Caring")
    assert [s["predicted_score"] for s in caring["statements"]] == [None] * 5
    assert all(s["note"] == "to be completed from observation and conversations" for s in caring["statements"])
    assert caring["informed"] == 0 and caring["predicted_rating"] is None and caring["percentage"] is None
    assert caring["note"] == ("Caring: 0 of 5 statements informed by the records (fewer than 2): no predicted rating")
    assert caring["not_rated"]["rule"] == "too_few_statements_informed"
    assert caring["range"] == {"low": "Inadequate", "high": "Outstanding"}


def test_mipr_predict_prints_json_and_text(sample_json: Path, as_of: dt.date) -> None:
    from mipr_rules_cli.cli import cli

    runner = CliRunner()
    args = ["predict", "--source", str(sample_json), "--as-of", as_of.isoformat()]
    out = runner.invoke(cli, [*args, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["kind"] == "prediction"
    text = runner.invoke(cli, args)
    assert text.exit_code == 0 and "If CQC came tomorrow" in text.output and "What would change it" in text.output


def _fix_in_records(home: dict[str, Any], alert: str, as_of: dt.date) -> None:
    """Put right, in the records, what one alert (``rule@subject``) says is wrong, as a manager would."""
    rule, subject = alert.split("@", 1)
    day, noon = as_of.isoformat(), f"{as_of.isoformat()}T12:00"
    parts = dict(part.split(":", 1) for part in subject.split("/"))
    if rule in ("care_plan_review_overdue", "care_plan_never_reviewed"):
        person = next(p for p in home["people"] if p["person_id"] == parts["person"])
        next(c for c in person["care_plans"] if c["plan_id"] == parts["care_plan"])["last_reviewed"] = day
    elif rule == "risk_assessment_review_overdue":
        person = next(p for p in home["people"] if p["person_id"] == parts["person"])
        next(r for r in person["risk_assessments"] if r["assessment_id"] == parts["risk_assessment"])[
            "last_reviewed"] = day
    elif rule == "duty_of_candour_not_met":
        next(i for i in home["incidents"] if i["incident_id"] == parts["incident"])["candour_notified"] = day
    elif rule.endswith("_not_notified") and "incident" in parts:
        next(i for i in home["incidents"] if i["incident_id"] == parts["incident"])["cqc_notified"] = noon
    elif rule == "safeguarding_not_referred":
        next(s for s in home["safeguarding"] if s["concern_id"] == parts["safeguarding"])["referred_to_la"] = day
    elif rule.endswith("_overdue") and "check" in parts:
        home["checks"].append({"kind": parts["check"], "completed": day})
    else:
        raise AssertionError(f"the test does not know how to put right {rule}: teach _fix_in_records")


def test_putting_right_in_the_records_what_would_change_names_gives_the_promised_band(
        prediction: PredictionReport, session: Session, sample_json: Path, as_of: dt.date, tmp_path: Path) -> None:
    """The promise kept on real records: a copy of the sample with the named alerts put right, read again."""
    ups = [c for c in prediction.as_dict()["what_would_change"] if c["direction"] == "up"]
    for number, change in enumerate(ups):
        home = json.loads(sample_json.read_text())
        for alert in change["alerts"]:
            _fix_in_records(home, alert["alert"], as_of)
        copy = tmp_path / f"fixed-{number}.json"
        copy.write_text(json.dumps(home))
        again = session.predict(source=str(copy), as_of=as_of, what_would_change=False).as_dict()
        got = (again["overall"]["predicted_rating"] if change["key_question"] == "overall"
               else _kq(again, change["key_question"])["predicted_rating"])
        assert got == change["to_rating"], change["key_question"]


def test_alerts_due_soon_that_would_lower_a_rating_do_so_when_their_day_comes(
        sample_json: Path, as_of: dt.date, tmp_path: Path) -> None:
    with Session(processes=1) as session:
        data = session.predict(source=str(sample_json), as_of=as_of, horizon=30).as_dict()
        downs = [c for c in data["what_would_change"] if c["direction"] == "down"]
        assert downs, "the sample has reviews and checks falling due within 30 days"
        for change in downs:
            dues = [a["due"] for a in change["alerts"]]
            assert dues == sorted(dues) and all(d > as_of.isoformat() for d in dues)
            assert RATINGS.index(change["to_rating"]) < RATINGS.index(change["from_rating"])
            # nothing done by the last due date: the records, read as of that day, are rated at most that low
            later = session.predict(source=str(sample_json), as_of=dt.date.fromisoformat(dues[-1]),
                                    what_would_change=False).as_dict()
            got = (later["overall"]["predicted_rating"] if change["key_question"] == "overall"
                   else _kq(later, change["key_question"])["predicted_rating"])
            assert RATINGS.index(got) <= RATINGS.index(change["to_rating"])


@pytest.mark.parametrize("extra, says", [
    (["--horizon", "999"], "--horizon: expected 0 to 366 days"),
    (["--store", "NOT-A-STORE"], "no alert store there"),
])
def test_bad_options_are_one_line_and_exit_2(sample_json: Path, as_of: dt.date, tmp_path: Path,
                                             extra: list[str], says: str) -> None:
    from mipr_rules_cli.cli import cli

    args = [a.replace("NOT-A-STORE", str(tmp_path / "missing.db")) for a in extra]
    result = CliRunner().invoke(cli, ["predict", "--source", str(sample_json), "--as-of", as_of.isoformat(), *args])
    assert result.exit_code == 2
    assert says in result.output and "Traceback" not in result.output


def test_a_source_with_two_locations_is_refused(sample_json: Path, as_of: dt.date, session: Session,
                                                tmp_path: Path) -> None:
    from mipr_rules.errors import InputError

    home = json.loads(sample_json.read_text())
    other = {**home, "location_id": "1-000000002", "name": "Another Home"}
    both = tmp_path / "homes.json"
    both.write_text(json.dumps([home, other]))
    with pytest.raises(InputError, match="predict works on one location; the source holds 2"):
        session.predict(source=str(both), as_of=as_of)


def test_records_skipped_in_lenient_mode_are_shown_first(sample_csv: Path, as_of: dt.date, tmp_path: Path) -> None:
    import shutil

    from mipr_rules_cli.cli import cli

    export = tmp_path / "csv"
    shutil.copytree(sample_csv, export)
    with (export / "complaints.csv").open("a", encoding="utf-8") as rows:
        rows.write("CMP-BAD,not-a-date,,\n")
    args = ["predict", "--source", str(export), "--as-of", as_of.isoformat(), "--lenient", "--horizon", "0"]
    text = CliRunner().invoke(cli, args)
    assert text.exit_code == 0, text.output
    assert text.output.index("1 record(s) skipped") < text.output.index("If CQC came tomorrow")
    data = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).output)
    assert data["skipped"][0]["record_type"] == "complaints" and data["skipped"][0]["count"] == 1
