from __future__ import annotations

import pytest

from search.normalize import loose_key, normalize, strip_question


@pytest.mark.parametrize(("query", "core"), [
    ("AHTって何", "AHT"), ("AHTとは?", "AHT"), ("FCRとは何ですか？", "FCR"), ("呼損率の意味を教えて", "呼損率"),
    ("電話がつながる前に切られた割合は?", "電話がつながる前に切られた割合"), ("コールセンター", "コールセンター"),
])
def test_question_wrappers_are_stripped(query, core):
    assert strip_question(query) == core


@pytest.mark.parametrize(("a", "b"), [("ｶｽﾀﾏｰｻｸｾｽ", "カスタマーサクセス"), ("こーるせんたー", "コールセンター"),
                                      ("ＦＡＱ", "faq"), ("カスタマー・サクセス", "カスタマーサクセス")])
def test_width_kana_case_and_middle_dots(a, b):
    assert normalize(a) == normalize(b)


def test_long_vowel_drop_meets_in_the_loose_key():
    assert loose_key("オペレータ") == loose_key("オペレーター")
