"""The search index on its own: typos, abbreviations, synonyms, both languages, ranking."""

from __future__ import annotations

import pytest

from kotahub.resolvers.search_text import query_terms
from kotahub.resolvers.text_index import TextIndex, WeightedText
from kotahub.resolvers.text_scoring import Match, score

DOCUMENTS: list[list[WeightedText]] = [
    [("Pantai Manggar Segara Sari", 3.0), ("beach", 3.0), ("Pantai berpasir putih", 1.0)],
    [("RSUD Beriman", 3.0), ("hospital", 3.0)],
    [("Rumah Sakit Pertamina Balikpapan", 3.0), ("hospital", 3.0)],
    [("Puskesmas Klandasan Ilir", 3.0), ("puskesmas", 3.0)],
    [("Hutan Lindung Sungai Wain", 3.0), ("nature", 3.0), ("Protected rainforest", 1.0)],
    [("Pura Giri Jaya Natha", 3.0), ("Tempat ibadah umat Hindu", 1.0)],
    [("Angkutan Umum Bus Kota", 3.0), ("City bus service with cashless fares", 1.0)],
]
INDEX = TextIndex(DOCUMENTS)


def matched(index: TextIndex, text: str) -> dict[int, Match]:
    return {doc: match for (_, doc), match in score([index], query_terms(text)).items()}


def found(text: str, index: TextIndex = INDEX) -> list[int]:
    """Documents meeting every term, best first."""
    terms = query_terms(text)
    matches = matched(index, text)
    complete = [doc for doc, m in matches.items() if m.terms_met == len(terms)]
    return sorted(complete, key=lambda doc: -matches[doc].score)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mangar", [0]),  # a letter left out
        ("Mangagr", [0]),  # two letters swapped
        ("PANTAI", [0]),  # case
        ("pântaï", [0]),  # accents
        ("beach", [0]),  # English for pantai
        ("beaches", [0]),  # plural
        ("klandasn ilir", [3]),
        ("pusk", [3]),  # typed so far
        ("pkm", [3]),  # abbreviation
        ("community health centre", [3]),
        ("forest", [4]),  # inside the phrase "hutan lindung"
        ("bus kota nontunai", [6]),  # the text says "cashless"; "nontunai" is its synonym
    ],
)
def test_finds_through_typos_synonyms_case_and_language(text: str, expected: list[int]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize("text", ["RS", "rumah sakit", "hospital", "hospitl", "RSU"])
def test_every_name_for_a_hospital_finds_both(text: str) -> None:
    assert sorted(found(text)) == [1, 2]


def test_a_literal_match_ranks_above_a_synonym() -> None:
    assert found("rsud") == [1, 2]


def test_known_words_are_not_read_as_typos() -> None:
    # "gigi" (teeth) is a word the index knows through its synonyms: it is not "Giri".
    assert found("gigi") == []
    assert found("giri") == [5]


def test_a_misspelling_in_a_description_does_not_stop_typo_correction() -> None:
    complaint: list[WeightedText] = [("Sampah di pantai mangar menumpuk", 1.0)]
    index = TextIndex([*DOCUMENTS, complaint])
    assert set(found("mangar", index)) == {0, len(DOCUMENTS)}
    assert set(found("pantai mangar", index)) == {0, len(DOCUMENTS)}


def test_small_words_do_not_decide_what_is_found() -> None:
    assert found("rumah sakit di balikpapan") == [2]
    assert query_terms("di") == query_terms("di ")  # alone, they are searched for


def test_only_the_last_word_may_be_unfinished() -> None:
    assert found("pusk") == [3]
    assert found("pusk klandasan") == []
    assert found("klandasan pusk") == [3]


def test_short_words_forgive_no_typo() -> None:
    assert found("pura") == [5]
    assert found("pira") == []


def test_a_match_in_a_short_name_counts_for_more() -> None:
    index = TextIndex([[("Pantai Kemala dan sekitarnya di kota", 3.0)], [("Pantai Kemala", 3.0)]])
    matches = matched(index, "kemala")
    assert matches[1].score > matches[0].score > 0


def test_text_without_words_has_no_terms() -> None:
    assert query_terms("  ?!  ") == []
    assert query_terms("Pantai pantai PANTAI") == query_terms("pantai")
