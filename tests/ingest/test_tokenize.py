"""ingest.tokenize: UniDic tokens, the same however often a word or a text comes back."""

from __future__ import annotations

from ingest.tokenize import remembered_tokens, tokenize

TEXT = "電話の応対で電話番号を確認する。オペレーターが電話を受ける。"


def test_each_occurrence_of_a_word_is_its_own_token():
    tokens = tokenize(TEXT)
    phones = [t for t in tokens if t.surface == "電話"]
    assert len(phones) == 3
    assert phones[0] == phones[1] == phones[2]
    # Callers tell occurrences apart by identity (a definition's genus vs. the same word elsewhere).
    assert len({id(t) for t in phones}) == 3
    assert tokenize(TEXT) == tokens  # the words' fields do not depend on what was read before


def test_remembered_texts_give_the_same_tokens_and_are_forgotten_after():
    fresh = tokenize(TEXT)
    with remembered_tokens():
        first = tokenize(TEXT)
        again = tokenize(TEXT)
        assert first == again == fresh
        again.clear()  # a caller's list is its own
        assert tokenize(TEXT) == fresh
    assert tokenize(TEXT) == fresh
