from __future__ import annotations

import pytest

from search.normalize import loose_key, normalize, strip_question


@pytest.mark.parametrize(("query", "core"), [
    ("AHTって何", "AHT"), ("AHTとは?", "AHT"), ("FCRとは何ですか？", "FCR"), ("呼損率の意味を教えて", "呼損率"),
    ("電話がつながる前に切られた割合は?", "電話がつながる前に切られた割合"), ("コールセンター", "コールセンター"),
    # "What kind of <noun> is X?" asks about X.
    ("SVってどういう役職?", "SV"), ("ACDとはどんな装置ですか", "ACD"), ("OTEPってどのような文書?", "OTEP"),
    # Not after は: 「問い合わせはどんな手段で…」 starts a description.
    ("問い合わせはどんな手段で受ける?", "問い合わせはどんな手段で受ける"),
])
def test_question_wrappers_are_stripped(query, core):
    assert strip_question(query) == core


@pytest.mark.parametrize(("a", "b"), [("ｶｽﾀﾏｰｻｸｾｽ", "カスタマーサクセス"), ("こーるせんたー", "コールセンター"),
                                      ("ＦＡＱ", "faq"), ("カスタマー・サクセス", "カスタマーサクセス")])
def test_width_kana_case_and_middle_dots(a, b):
    assert normalize(a) == normalize(b)


def test_long_vowel_drop_meets_in_the_loose_key():
    assert loose_key("オペレータ") == loose_key("オペレーター")


@pytest.mark.parametrize(("query", "core"), [
    ("通話の後にする作業を何と呼ぶ?", "通話の後にする作業"),
    ("鍵を二つ使う暗号方式は何と呼ばれますか", "鍵を二つ使う暗号方式"),
    ("担当者に電話を回す仕組みのことを何ていうの？", "担当者に電話を回す仕組み"),
    ("圧縮できることをサーバーに伝えるには?", "圧縮できることをサーバーに伝える"),
    ("問い合わせを自動で振り分ける装置の名前は?", "問い合わせを自動で振り分ける装置"),
    ("呼損", "呼損"),  # a bare term keeps every character
    ("見積もるのって何て言う", "見積もる"),  # the particles a frame leaves go with it …
    ("エージェントの", "エージェントの"),  # … but a prefix typed so far keeps its own
    ("の", "の"),  # nothing is left that is shorter than min_left
    ("返信のひな形ってなんて言うの?", "返信のひな形"), ("APIの実装部分は何て呼ばれる?", "APIの実装部分"),
    ("引き継いだ割合はどう呼ぶ?", "引き継いだ割合"), ("処理を止めるボタン、英語UIでは何と書く?", "処理を止めるボタン、英語UIで"),
    ("法的な拘束力のないものを何というか", "法的な拘束力のないもの"),  # もの is a noun: its の stays
])
def test_question_frames_are_taken_off_the_end(query, core):
    assert strip_question(query) == core
