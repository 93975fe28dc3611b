"""Measure search.lexical.BM25Index (numpy posting arrays) against rank-bm25's BM25Okapi on one artifact.

    python tools/compare_bm25.py var/artifacts/current [--scale 40000]

Same analysed terms (labels twice, then definitions, as search.index builds them), same k1 and b. Prints
recall@1/@5 of BM25 alone on the hand-written queries (data/gold/queries.jsonl, a hit is a concept one
of whose labels is a relevant label), build time, and per-query latency; --scale repeats the concepts
to that many documents to time both at the size `make bench` loads.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from search.index import load_index
from search.lexical import BM25Index, analyze


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("artifact", type=Path)
    parser.add_argument("--scale", type=int, default=40_000)
    args = parser.parse_args()
    index = load_index(args.artifact / "index")
    docs = [analyze(" ".join([*d.pref_labels.values(), *(t for t, _ in d.alt_labels)])) * 2
            + analyze(" ".join(d.definitions)) for d in index.docs]
    labels = [{*d.pref_labels.values(), *(t for t, _ in d.alt_labels)} for d in index.docs]
    queries = [json.loads(line) for line in Path("data/gold/queries.jsonl").read_text(encoding="utf-8").splitlines()]
    queries = [(analyze(q["query"]), set(q["relevant"])) for q in queries if q.get("relevant")]

    ours, theirs = BM25Index(docs), BM25Okapi(docs, k1=1.5, b=0.75)

    def theirs_top(terms, k):
        scores = theirs.get_scores(terms)
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    for name, top in (("numpy postings", ours.search), ("rank-bm25", theirs_top)):
        r1 = r5 = 0
        for terms, relevant in queries:
            hits = [i for i, _ in top(terms, 5)]
            r1 += bool(hits[:1]) and bool(labels[hits[0]] & relevant)
            r5 += any(labels[i] & relevant for i in hits)
        print(f"{name}: BM25 alone R@1 {r1 / len(queries):.3f}  R@5 {r5 / len(queries):.3f}  ({len(queries)} queries)")

    big = (docs * (args.scale // len(docs) + 1))[: args.scale]
    for name, make, top in (("numpy postings", BM25Index, lambda ix, t: ix.search(t, 50)),
                            ("rank-bm25", lambda d: BM25Okapi(d, k1=1.5, b=0.75), lambda ix, t: ix.get_scores(t))):
        started = time.perf_counter()
        built = make(big)
        build_s = time.perf_counter() - started
        samples = []
        for terms, _ in queries[:60]:
            started = time.perf_counter()
            top(built, terms)
            samples.append((time.perf_counter() - started) * 1000)
        print(f"{name} at {len(big)} documents: build {build_s:.2f} s, query p50 {statistics.median(samples):.2f} ms, "
              f"max {max(samples):.2f} ms")


if __name__ == "__main__":
    main()
