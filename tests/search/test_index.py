"""The saved lexical indexes answer exactly as indexes rebuilt from the concept texts."""

from __future__ import annotations

import json

import numpy as np

from search.index import ConceptDoc, ConceptIndex, load_index
from search.lexical import analyze

QUERIES = ["放棄呼率", "電話がつながる前に切られた割合は?", "AHT", "first contact resolution", "こーるせんたー",
           "ｶｽﾀﾏｰｻｸｾｽ", "お客様の声を集めて分析すること", "オペレーターの指導", "有給休暇の申請方法"]


def test_a_loaded_index_equals_one_rebuilt_from_its_documents(service):
    index_dir = service.artifact.path / "index"
    assert (index_dir / "lexical.npz").is_file() and (index_dir / "labels.json").is_file()
    loaded = load_index(index_dir)
    docs = [ConceptDoc(**json.loads(line)) for line in (index_dir / "docs.jsonl").read_text("utf-8").splitlines()]
    rebuilt = ConceptIndex(docs, np.load(index_dir / "vectors.npy"), loaded.model_id)
    for query in QUERIES:
        assert loaded.bm25.search(analyze(query)) == rebuilt.bm25.search(analyze(query)), query
        assert loaded.ngrams.search(query) == rebuilt.ngrams.search(query), query
        assert loaded.labels.lookup(query) == rebuilt.labels.lookup(query), query
        assert loaded.labels.prefix(query[:2]) == rebuilt.labels.prefix(query[:2]), query
    for typo in ("オペレターー", "エスカレーシヨン", "カスタマーサクセツ"):
        assert loaded.labels.fuzzy(typo) == rebuilt.labels.fuzzy(typo), typo
    assert loaded.labels.fuzzy("エスカレーシヨン")  # the typo test means something
