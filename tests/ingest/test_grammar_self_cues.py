"""Cues about the entry's own term ({SELF}) are compiled once, not once per entry, and match as if spelled out.

Compiling a {SELF} cue with an entry's names in it takes ~10 ms; per entry and cue that made a
50k-entry glossary take hours (`kg bench-ingest`). The shared pattern must stay in use for every
default cue and agree with the spelled-out one.
"""

from __future__ import annotations

from ingest.grammar import _self_by_reference, _self_matches, default_cues

SELF_CUES = [c for c in default_cues() if c.regex is None]
TEXTS = [
    ("ChromeやFirefoxなどのブラウザで動作する。", ("ブラウザ",)),
    ("RSA、楕円曲線暗号といった暗号方式がある。", ("暗号方式", "暗号")),
    ("PostgreSQL や MySQL を含む、いくつかのデータベースが利用できる。", ("データベース", "DB")),
    ("TCP および UDP の 2 つのプロトコルがある。", ("プロトコル",)),
    ("ディレクティブには、 `v-if`, `v-for` があります。ディレクティブには、v-showがある。", ("ディレクティブ",)),
    ("監視や分析などのサービス管理、監視などのサービス。", ("サービス", "サービス管理")),
    ("顧客管理には、名簿、履歴が含まれる。", ("顧客", "顧客管理")),
    ("この用語には別の意味はない。", ("用語集",)),
]


def _found(matches):
    return [(m.start(), m.end(), m.group(0), {k: v for k, v in m.groupdict().items() if v and k != "_self"})
            for m in matches]


def test_every_default_self_cue_is_compiled_once():
    assert SELF_CUES
    assert all(_self_by_reference(cue.template) is not None for cue in SELF_CUES)


def test_the_shared_pattern_matches_what_the_spelled_out_one_does():
    matched = 0
    for text, names in TEXTS:
        for cue in SELF_CUES:
            expected = _found(cue.pattern_for(names).finditer(text))
            assert _found(_self_matches(cue, text, names)) == expected, (cue.id, text)
            matched += bool(expected)
    assert matched >= 5
