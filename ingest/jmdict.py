"""JMdict, read from a compact SQLite file compiled once from the `jamdict-data` package.

The package ships the EDRDG's JMdict (CC BY-SA 4.0, https://www.edrdg.org/edrdg/licence.html)
as a 325 MB SQLite file that also holds JMnedict and KANJIDIC. `make model` compiles the JMdict
part into `models/jmdict/jmdict.sqlite` (about a third of the size, with the indexes this module
needs), so nothing is unpacked or downloaded at run time.

    python -m ingest.jmdict build [SOURCE] [TARGET]    # what the make step runs
"""
from __future__ import annotations

import json
import lzma
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "models" / "jmdict" / "jmdict.sqlite"
SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class JMEntry:
    id: int
    kanji: tuple[str, ...]
    kana: tuple[str, ...]
    senses: tuple[tuple[str, ...], ...]  # English glosses per sense, in order
    priority: tuple[str, ...]  # ke_pri/re_pri tags (news1, ichi1, spec1, nfXX)

    @property
    def headword(self) -> str:
        """The form a dictionary prints first: the first kanji writing, else the first kana."""
        return (self.kanji or self.kana)[0]

    @property
    def glosses(self) -> tuple[str, ...]:
        """All English glosses, sense by sense."""
        return tuple(g for sense in self.senses for g in sense)


def priority_rank(tags: tuple[str, ...] | list[str]) -> float:
    """A frequency score from JMdict's priority tags: tier-1 lists count double, nfXX adds its rank."""
    score = 0.0
    for tag in tags:
        if tag.startswith("nf") and tag[2:].isdigit():
            score += (49 - int(tag[2:])) / 48  # nf01 (most frequent 500 words) ~1, nf48 ~0
        elif tag.endswith("1"):
            score += 2.0
        elif tag.endswith("2"):
            score += 1.0
    return score


class JMdictMissing(FileNotFoundError):
    """The compiled file is absent or stale; an OSError, so the CLI prints it as one line."""


class JMdict:
    """Read-only access to the compiled JMdict file."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: str | None = None) -> JMdict:
        target = Path(path or os.environ.get("KG_JMDICT") or DEFAULT_PATH)
        if not target.is_file():
            raise JMdictMissing(f"JMdict not found at {target}: run `make model` (or set KG_JMDICT)")
        # Read-only URI: several processes (build, server workers) share the file safely.
        connection = sqlite3.connect(f"file:{target}?mode=ro", uri=True, check_same_thread=False)
        try:
            version = connection.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise JMdictMissing(f"{target} is not a compiled JMdict file ({exc}): run `make model`") from exc
        if not version or version[0] != SCHEMA_VERSION:
            connection.close()
            raise JMdictMissing(f"{target} was compiled by another version: run `make model`")
        return cls(connection, target)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> JMdict:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _entry(row: tuple) -> JMEntry:
        id_, kanji, kana, senses, priority = row
        return JMEntry(
            id=id_,
            kanji=tuple(json.loads(kanji)),
            kana=tuple(json.loads(kana)),
            senses=tuple(tuple(s) for s in json.loads(senses)),
            priority=tuple(json.loads(priority)),
        )

    def glosses_with_words(self, words: list[str], limit: int = 2000) -> list[tuple[int, int, str]]:
        """(entry id, sense index, gloss) for glosses holding any of the English `words`."""
        terms = [w.replace('"', "") for w in words if w.replace('"', "").strip()]
        if not terms:
            return []
        query = " OR ".join(f'"{w}"' for w in terms)
        try:
            return self._db.execute(
                "SELECT gloss.id, gloss.sense, gloss.text FROM gloss_fts JOIN gloss ON gloss.rowid = gloss_fts.rowid "
                # Best matches first (bm25: several of the words, rare ones, short glosses): an
                # unordered cut would keep whatever rows a common word ("time") lists first.
                "WHERE gloss_fts MATCH ? ORDER BY gloss_fts.rank LIMIT ?",
                (query, limit),
            ).fetchall()
        except sqlite3.OperationalError:
            return []

    def gloss_word_count(self, word: str) -> int:
        """How many glosses hold the English word (its document frequency, for weighting)."""
        term = word.replace('"', "").strip()
        if not term:
            return 0
        try:
            return self._db.execute("SELECT count(*) FROM gloss_fts WHERE gloss_fts MATCH ?",
                                    (f'"{term}"',)).fetchone()[0]
        except sqlite3.OperationalError:
            return 0

    def compounds_ending_with(self, suffix: str) -> int:
        """How many written forms (three characters or more) end with `suffix`: how productive it is."""
        return self._db.execute("SELECT count(*) FROM form WHERE text LIKE ? AND length(text) >= 3",
                                ("%" + suffix.replace("%", "").replace("_", ""),)).fetchone()[0]

    def entries_by_id(self, ids: list[int]) -> dict[int, JMEntry]:
        return self._entries_by_id(ids)

    def _entries_by_id(self, ids: list[int]) -> dict[int, JMEntry]:
        found: dict[int, JMEntry] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                # Only "?" placeholders are formatted in; the ids travel as parameters.
                f"SELECT id, kanji, kana, senses, priority FROM entry WHERE id IN ({marks})", chunk  # noqa: S608
            ):
                found[row[0]] = self._entry(row)
        return found

    def lookup(self, word: str) -> list[JMEntry]:
        """Entries with `word` as an exact kanji or kana form, most frequent first."""
        ids = [
            r[0]
            for r in self._db.execute(
                "SELECT form.id FROM form JOIN entry ON entry.id = form.id WHERE form.text = ? "
                "GROUP BY form.id ORDER BY MAX(entry.rank) DESC, form.id",
                (word,),
            )
        ]
        found = self._entries_by_id(ids)
        return [found[i] for i in ids if i in found]

    def entries(self) -> Iterator[JMEntry]:
        """Every entry, in JMdict sequence order."""
        cursor = self._db.execute("SELECT id, kanji, kana, senses, priority FROM entry ORDER BY id")
        for row in cursor:
            yield self._entry(row)

    def search_gloss(self, phrase: str, limit: int = 20) -> list[JMEntry]:
        """Entries with an English gloss equal to `phrase`, then glosses containing it as words.

        Within each group the more frequent entry (priority tags) comes first, then the one
        whose matching sense is earlier.
        """
        needle = normalise_gloss(phrase)
        if not needle or limit <= 0:
            return []
        ranked: list[int] = []
        seen: set[int] = set()
        exact = self._db.execute(
            "SELECT gloss.id FROM gloss JOIN entry ON entry.id = gloss.id WHERE gloss.text = ? "
            "GROUP BY gloss.id ORDER BY MAX(entry.rank) DESC, MIN(gloss.sense), gloss.id LIMIT ?",
            (needle, limit),
        )
        for (id_,) in exact:
            if id_ not in seen:
                seen.add(id_)
                ranked.append(id_)
        if len(ranked) < limit:
            # FTS phrase query: the words of `phrase`, contiguous, inside a longer gloss.
            query = '"' + needle.replace('"', " ") + '"'
            try:
                rows = self._db.execute(
                    "SELECT gloss.id FROM gloss_fts JOIN gloss ON gloss.rowid = gloss_fts.rowid "
                    "JOIN entry ON entry.id = gloss.id WHERE gloss_fts MATCH ? "
                    "GROUP BY gloss.id ORDER BY MAX(entry.rank) DESC, MIN(gloss.sense), "
                    "MIN(length(gloss.text)), gloss.id LIMIT ?",
                    (query, limit + len(ranked)),
                ).fetchall()
            except sqlite3.OperationalError:
                rows = []  # a phrase FTS cannot parse has no containing gloss either
            for (id_,) in rows:
                if id_ not in seen and len(ranked) < limit:
                    seen.add(id_)
                    ranked.append(id_)
        found = self._entries_by_id(ranked)
        return [found[i] for i in ranked if i in found]


_PAREN = re.compile(r"\s*\([^)]*\)\s*")
_SPACES = re.compile(r"\s+")


def normalise_gloss(text: str) -> str:
    """Lower case, parenthesised notes removed ("to calibrate (an instrument)" -> "to calibrate")."""
    text = _PAREN.sub(" ", text).strip().lower()
    return _SPACES.sub(" ", text)


# --- compiling the package's database -------------------------------------------------------


def package_database() -> Path:
    """The SQLite file (or its .xz) inside the installed `jamdict_data` package."""
    try:
        import jamdict_data
    except ImportError as exc:
        raise JMdictMissing("the jamdict-data package is not installed: run `make install`") from exc
    folder = Path(jamdict_data.__file__).resolve().parent
    for name in ("jamdict.db", "jamdict.db.xz"):
        if (folder / name).is_file():
            return folder / name
    raise JMdictMissing(f"no jamdict.db in {folder}: reinstall jamdict-data")


def compile_jmdict(source: Path, target: Path) -> int:
    """Write the JMdict part of jamdict's database to `target`; returns the number of entries."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        plain = source
        if source.suffix == ".xz":
            plain = Path(tmp) / "jamdict.db"
            with lzma.open(source) as packed, open(plain, "wb") as out:
                shutil.copyfileobj(packed, out, 1 << 22)
        partial = Path(tmp) / target.name
        count = _copy_jmdict(sqlite3.connect(f"file:{plain}?mode=ro", uri=True), partial)
        os.replace(partial, target)  # atomic: a reader never sees half a file
    return count


def _copy_jmdict(src: sqlite3.Connection, target: Path) -> int:
    kanji: dict[int, list[str]] = {}
    kana: dict[int, list[str]] = {}
    priority: dict[int, list[str]] = {}
    for idseq, text, tag in src.execute(
        "SELECT k.idseq, k.text, p.text FROM Kanji k LEFT JOIN KJP p ON p.kid = k.ID ORDER BY k.ID"
    ):
        forms = kanji.setdefault(idseq, [])
        if text not in forms:
            forms.append(text)
        if tag and tag not in priority.setdefault(idseq, []):
            priority[idseq].append(tag)
    for idseq, text, tag in src.execute(
        "SELECT k.idseq, k.text, p.text FROM Kana k LEFT JOIN KNP p ON p.kid = k.ID ORDER BY k.ID"
    ):
        forms = kana.setdefault(idseq, [])
        if text not in forms:
            forms.append(text)
        if tag and tag not in priority.setdefault(idseq, []):
            priority[idseq].append(tag)
    senses: dict[int, list[list[str]]] = {}
    sense_of: dict[int, tuple[int, int]] = {}
    for sid, idseq in src.execute("SELECT ID, idseq FROM Sense ORDER BY ID"):
        entry_senses = senses.setdefault(idseq, [])
        sense_of[sid] = (idseq, len(entry_senses))
        entry_senses.append([])
    for sid, text in src.execute(
        "SELECT sid, text FROM SenseGloss WHERE lang = 'eng' OR lang IS NULL ORDER BY rowid"
    ):
        idseq, index = sense_of[sid]
        senses[idseq][index].append(text)

    out = sqlite3.connect(target)
    out.executescript(
        """
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE entry (id INTEGER PRIMARY KEY, kanji TEXT, kana TEXT, senses TEXT,
                            priority TEXT, rank REAL);
        CREATE TABLE form (text TEXT NOT NULL, id INTEGER NOT NULL);
        CREATE TABLE gloss (text TEXT NOT NULL, id INTEGER NOT NULL, sense INTEGER NOT NULL);
        """
    )
    count = 0
    for (idseq,) in src.execute("SELECT idseq FROM Entry ORDER BY idseq"):
        tags = priority.get(idseq, [])
        entry_senses = [s for s in senses.get(idseq, []) if s]
        out.execute(
            "INSERT INTO entry VALUES (?,?,?,?,?,?)",
            (
                idseq,
                json.dumps(kanji.get(idseq, []), ensure_ascii=False),
                json.dumps(kana.get(idseq, []), ensure_ascii=False),
                json.dumps(entry_senses, ensure_ascii=False),
                json.dumps(tags),
                priority_rank(tags),
            ),
        )
        for form in dict.fromkeys(kanji.get(idseq, []) + kana.get(idseq, [])):
            out.execute("INSERT INTO form VALUES (?,?)", (form, idseq))
        for index, sense in enumerate(entry_senses):
            for gloss in sense:
                out.execute("INSERT INTO gloss VALUES (?,?,?)", (normalise_gloss(gloss), idseq, index))
        count += 1
    out.executescript(
        """
        CREATE INDEX form_text ON form(text);
        CREATE INDEX gloss_text ON gloss(text);
        CREATE VIRTUAL TABLE gloss_fts USING fts5(text, content='gloss', content_rowid='rowid');
        INSERT INTO gloss_fts(gloss_fts) VALUES ('rebuild');
        """
    )
    out.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
    for key, value in src.execute("SELECT key, value FROM meta WHERE key LIKE 'jmdict.%'"):
        out.execute("INSERT INTO meta VALUES (?, ?)", (key, value))
    out.commit()
    out.execute("VACUUM")
    out.close()
    return count


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "build" or len(argv) > 3:
        print("usage: python -m ingest.jmdict build [SOURCE] [TARGET]", file=sys.stderr)
        return 2
    try:
        source = Path(argv[1]) if len(argv) > 1 else package_database()
        target = Path(argv[2]) if len(argv) > 2 else DEFAULT_PATH
        count = compile_jmdict(source, target)
    except (JMdictMissing, sqlite3.DatabaseError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"JMdict: {count} entries -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
