"""One configurable STOP/START word list for every inbound message (issue 11 item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from component import errors
from component.config import Settings
from component.notify.optouts import normalise_word, reply_words

DEFAULT_STOP = ["STOP", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPT OUT"]


def settings(tmp_path: Path, **words: str) -> Settings:
    return Settings(_env_file=None, xero_wa_home=tmp_path, **words)  # type: ignore[call-arg]


def test_the_default_words_are_the_issues_list(tmp_path: Path) -> None:
    words = reply_words(settings(tmp_path))
    assert words.stop == frozenset(DEFAULT_STOP)
    assert words.start == frozenset({"START", "UNSTOP"})
    for word in DEFAULT_STOP:
        assert words.classify(word.lower()) == "stop"
    assert words.classify("unstop") == "start"
    assert words.classify("subscribe") is None  # not a start word by default


@pytest.mark.parametrize("text", ["stop", " Stop. ", "STOP!!", "stop  all", "Opt-out", "opt out"])
def test_case_spacing_and_punctuation_do_not_matter(tmp_path: Path, text: str) -> None:
    assert reply_words(settings(tmp_path)).classify(text) == "stop"


@pytest.mark.parametrize(
    "text", ["please stop sending me the PDF", "stopped", "I paid, stop", "", "🛑"]
)
def test_only_a_whole_message_that_is_a_word_counts(tmp_path: Path, text: str) -> None:
    assert reply_words(settings(tmp_path)).classify(text) is None


def test_the_lists_are_configurable(tmp_path: Path) -> None:
    words = reply_words(
        settings(tmp_path, xero_wa_stop_words="Alto, baja ", xero_wa_start_words="volver")
    )
    assert (words.classify("BAJA"), words.classify("stop"), words.classify("Volver")) == (
        "stop",
        None,
        "start",
    )


def test_an_empty_stop_list_or_a_word_in_both_lists_is_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.InputError, match="XERO_WA_STOP_WORDS"):
        reply_words(settings(tmp_path, xero_wa_stop_words=" , "))
    with pytest.raises(errors.InputError, match="XERO_WA_START_WORDS: STOP is also a stop word"):
        reply_words(settings(tmp_path, xero_wa_start_words="start,stop"))


def test_normalise_word() -> None:
    assert normalise_word("  Opt-Out!  ") == "OPT OUT"
