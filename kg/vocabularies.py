"""Vocabularies: which glossaries make which SKOS vocabulary, with its id, titles and base IRI.

A configuration file in the manner of Skosmos' config.ttl or Annif's projects.toml (TOML; the path
comes from KG_VOCABULARIES or `kg build --config`), one table per vocabulary, the first being the
default one (today's unprefixed paths serve it):

    [vocabularies.it]
    title = { ja = "IT用語集", en = "IT glossary" }   # or one string (Japanese)
    description = { ja = "…" }
    base_iri = "https://example.org/it/"             # default https://jaterm.example.org/<id>/
    languages = ["ja", "en"]
    sources = ["it-glossaries/", "extra.md"]           # files or folders, relative to this file
    [vocabularies.it.documents]                        # optional names for single glossaries
    "extra.md" = "追加の用語"

A folder given to `kg build` (or the corpus folder) that holds a `vocabularies.toml` is built as that
file says. Without any configuration the inputs make one vocabulary whose id comes from the file or
folder name and whose title comes from the documents (ingest.metadata): `it.md` starting `# IT用語集`
becomes vocabulary `it`, titled IT用語集.

Each vocabulary is its own skos:ConceptScheme with its own named graphs under its own base IRI;
concepts of two vocabularies never merge. The built artifact's manifest lists them under "vocabs"
(VocabularyInfo), which is what the service reads.
"""

from __future__ import annotations

import itertools
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox

from ingest.errors import IngestError
from ingest.metadata import document_title
from ingest.reader import read_document
from kg.config import Settings
from kg.errors import ConfigError, NotFound
from kg.store import GraphStore

CONFIG_NAME = "vocabularies.toml"
DEFAULT_BASE_TEMPLATE = "https://jaterm.example.org/{id}/"
VOCAB_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
FALLBACK_ID = "glossary"
KNOWN_KEYS = {"title", "description", "base_iri", "languages", "sources", "documents", "profile"}


def default_base(vocab_id: str) -> str:
    return DEFAULT_BASE_TEMPLATE.format(id=vocab_id)


def slug(text: str) -> str:
    """A vocabulary id from a name: lower-case ASCII letters, digits, - and _; '' when nothing is left."""
    s = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    s = re.sub(r"^[^a-z]+", "", s)[:32].rstrip("-_")
    return s


def _texts(value: object, where: str) -> dict[str, str]:
    """A title or description: one string (Japanese) or a table of language -> text."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"ja": value} if value.strip() else {}
    if isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return {k: v for k, v in value.items() if v.strip()}
    raise ConfigError(f"{where} must be a string or a table of language = text")


@dataclass(frozen=True)
class VocabularyConfig:
    """One vocabulary to build: what it is called and which files it is made of."""

    id: str
    title: dict[str, str]
    base_iri: str
    sources: tuple[Path, ...]
    description: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ("ja", "en")
    document_titles: dict[str, str] = field(default_factory=dict)  # file name -> title given by the config
    profile: str = ""  # extraction profile (ingest/profiles/<name>.toml or a path); "" = KG_PROFILE or default


@dataclass(frozen=True)
class VocabularyInfo:
    """One built vocabulary as the manifest records it and the service serves it."""

    id: str
    title: dict[str, str]
    base_iri: str
    description: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ("ja", "en")
    documents: tuple[str, ...] = ()
    concepts: int = 0
    graph: str = ""  # a vocabulary loaded with `kg load`: the named graph holding it (its IRIs are its own)
    members: frozenset[str] | None = field(default=None, repr=False, compare=False)  # its concepts, when loaded

    @property
    def scheme(self) -> str:
        return self.base_iri + "scheme"

    @property
    def loaded(self) -> bool:
        return bool(self.graph)

    @property
    def vocabulary_graph(self) -> str:
        return self.base_iri + "graph/vocabulary"

    @property
    def concept_base(self) -> str:
        return self.base_iri + "concept/"

    def owns(self, uri: str) -> bool:
        if self.members is not None:
            return uri in self.members
        return bool(self.base_iri) and uri.startswith(self.base_iri)

    def graphs(self, store: GraphStore) -> list[str]:
        """The named graphs that make this vocabulary: its vocabulary graph and one per glossary."""
        if self.loaded:
            return [self.graph]
        docs = self.base_iri + "graph/doc/"
        return [g for g in store.graphs() if g == self.vocabulary_graph or g.startswith(docs)]

    def title_in(self, lang: str | None) -> str:
        for candidate in (lang, "ja", "en"):
            if candidate and candidate in self.title:
                return self.title[candidate]
        return next(iter(self.title.values()), self.id)

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("members")
        data.pop("graph")
        data["languages"] = list(self.languages)
        data["documents"] = list(self.documents)
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> VocabularyInfo:
        return cls(id=data["id"], title=dict(data.get("title") or {}), base_iri=data["base_iri"],
                   description=dict(data.get("description") or {}),
                   languages=tuple(data.get("languages") or ("ja", "en")),
                   documents=tuple(data.get("documents") or ()), concepts=int(data.get("concepts", 0)))


def _normal_base(base: str, where: str) -> str:
    if not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", base or "", re.I):
        raise ConfigError(f"{where}: base_iri must be an absolute http(s) IRI, got {base!r}")
    return base if base.endswith(("/", "#")) else base + "/"


def load_config(path: Path, *, base_override: str = "") -> list[VocabularyConfig]:
    """Read a vocabularies.toml; sources are relative to its folder. base_override (KG_BASE_IRI) replaces
    the default vocabulary's base IRI."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the vocabulary configuration {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    tables = data.get("vocabularies")
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigError(f"{path}: no [vocabularies.<id>] table")
    out: list[VocabularyConfig] = []
    for i, (vocab_id, table) in enumerate(tables.items()):
        where = f"{path}: vocabularies.{vocab_id}"
        if not VOCAB_ID.match(vocab_id):
            raise ConfigError(f"{where}: an id is lower-case letters, digits, - or _, starting with a letter")
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where} must be a table")
        unknown = sorted(set(table) - KNOWN_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})")
        sources = table.get("sources")
        if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
            raise ConfigError(f"{where}: sources must be a non-empty list of files or folders")
        resolved = tuple((path.parent / s).resolve() for s in sources)
        missing = [str(s) for s in resolved if not s.exists()]
        if missing:
            raise ConfigError(f"{where}: no such source {', '.join(missing)}")
        languages = table.get("languages", ["ja", "en"])
        if not isinstance(languages, list) or not all(isinstance(x, str) and x for x in languages):
            raise ConfigError(f"{where}: languages must be a list of language tags")
        base = (base_override if i == 0 and base_override else None) or table.get("base_iri") or default_base(vocab_id)
        documents = table.get("documents", {})
        out.append(VocabularyConfig(
            id=vocab_id, title=_texts(table.get("title"), f"{where}.title"), base_iri=_normal_base(base, where),
            sources=resolved, description=_texts(table.get("description"), f"{where}.description"),
            languages=tuple(languages), document_titles=_texts(documents, f"{where}.documents"),
            profile=_profile_of(table.get("profile", ""), path, where)))
    _check_distinct(out, str(path))
    return out


def _profile_of(value: object, path: Path, where: str) -> str:
    """A packaged profile name, or a path relative to the configuration file."""
    if not isinstance(value, str):
        raise ConfigError(f"{where}: profile must be a profile name or a .toml path")
    if value.endswith(".toml"):
        resolved = (path.parent / value).resolve()
        if not resolved.exists():
            raise ConfigError(f"{where}: no such profile {resolved}")
        return str(resolved)
    return value


def _check_distinct(configs: Sequence[VocabularyConfig], where: str) -> None:
    """Two vocabularies sharing a base IRI (or one nested in the other) would share graphs and concepts."""
    bases = sorted(c.base_iri for c in configs)
    for a, b in itertools.pairwise(bases):
        if b.startswith(a):
            raise ConfigError(f"{where}: base IRIs {a} and {b} overlap; every vocabulary needs its own")


def config_in(folder: Path) -> Path | None:
    candidate = folder / CONFIG_NAME
    return candidate if folder.is_dir() and candidate.is_file() else None


def titles_of(paths: Sequence[Path]) -> dict[str, str]:
    """File name -> the title the document states (ingest.metadata), for the files that state one."""
    out: dict[str, str] = {}
    for path in paths:
        try:
            doc = read_document(path)
        except IngestError:
            continue  # the build reports unreadable files; a title is optional
        title = document_title(doc.text, doc.name)
        if title:
            out[doc.name] = title
    return out


def titled(config: VocabularyConfig, paths: Sequence[Path]) -> VocabularyConfig:
    """A configured vocabulary without a title takes the first title its documents state, else its id."""
    if config.title:
        return config
    titles = titles_of(paths)
    title = next((titles[p.name] for p in paths if p.name in titles), None)
    return replace(config, title={"ja": title or config.id})


def from_documents(inputs: Sequence[str | os.PathLike], paths: Sequence[Path], settings: Settings
                   ) -> VocabularyConfig:
    """The one vocabulary of a build without configuration: id from the file or folder name, title from
    the documents (the first that states one), base IRI from KG_BASE_IRI or the id."""
    first = Path(inputs[0]) if inputs else (paths[0] if paths else Path(FALLBACK_ID))
    name = first.name if first.is_dir() else first.stem
    titles = titles_of(paths)
    title = next((titles[p.name] for p in paths if p.name in titles), None)
    vocab_id = settings.vocab_id or slug(name) or slug(title or "") or FALLBACK_ID
    if not VOCAB_ID.match(vocab_id):
        raise ConfigError(f"KG_VOCAB_ID {vocab_id!r} must be lower-case letters, digits, - or _")
    title = settings.vocab_title or title or name
    return VocabularyConfig(id=vocab_id, title={"ja": title}, base_iri=_normal_base(
        settings.base_iri or default_base(vocab_id), "KG_BASE_IRI"), sources=tuple(Path(i) for i in inputs))


def configured(settings: Settings, inputs: Sequence[str | os.PathLike] | None
               ) -> tuple[list[VocabularyConfig], list[Path]] | None:
    """The configured vocabularies for a build and the further inputs that join the default (first) one,
    or None when the inputs describe one vocabulary themselves.

    KG_VOCABULARIES / --config wins; then a vocabularies.toml in the first folder given (the other inputs
    join its default vocabulary), or in the corpus folder when no inputs are given.
    """
    if settings.vocabularies_file is not None:
        if inputs:
            raise ConfigError("give either PATHS or a vocabulary configuration (KG_VOCABULARIES / --config), "
                              "not both: list the sources in the configuration")
        return load_config(settings.vocabularies_file, base_override=settings.base_iri), []
    given = [Path(i) for i in inputs] if inputs else [settings.corpus_dir]
    found = config_in(given[0])
    if found is None:
        return None
    return load_config(found, base_override=settings.base_iri), given[1:]


# --- what an artifact serves ------------------------------------------------------------------------

# ?g is projected because pyoxigraph binds only projected variables.
LOADED_CONCEPTS = """SELECT DISTINCT ?c ?g WHERE { GRAPH ?g { ?c a <http://www.w3.org/2004/02/skos/core#Concept> } }"""
LOADED_TITLES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?t ?g WHERE { GRAPH ?g { ?s a skos:ConceptScheme . { ?s dct:title ?t } UNION { ?s skos:prefLabel ?t } } }"""


@dataclass
class Served:
    """The vocabularies one artifact serves: the built ones (the first is the default) and the loaded ones."""

    vocabularies: list[VocabularyInfo]

    @property
    def default(self) -> VocabularyInfo:
        return self.vocabularies[0]

    @property
    def ids(self) -> list[str]:
        return [v.id for v in self.vocabularies]

    def get(self, vocid: str | None) -> VocabularyInfo:
        """The vocabulary with this id (None: the default one); NotFound for an unknown id."""
        if vocid is None:
            return self.default
        for vocabulary in self.vocabularies:
            if vocabulary.id == vocid:
                return vocabulary
        raise NotFound(f"unknown vocabulary {vocid!r}; this service has {', '.join(self.ids)}")

    def scope(self, ids: Sequence[str]) -> VocabularyInfo | Several | None:
        """The vocabularies named by ids (None for none: all of them)."""
        found = tuple({v.id: v for v in map(self.get, ids)}.values())
        if not found:
            return None
        return found[0] if len(found) == 1 else Several(found)

    def vocab_of(self, uri: str) -> str:
        """The id of the vocabulary a concept belongs to (the default one for an IRI none claims)."""
        for vocabulary in self.vocabularies:
            if vocabulary.owns(uri):
                return vocabulary.id
        return self.default.id

    def concept_page(self, uri: str) -> tuple[VocabularyInfo, str] | None:
        """(vocabulary, local id) of a concept IRI under a built vocabulary's concept namespace."""
        for vocabulary in self.vocabularies:
            if not vocabulary.loaded and uri.startswith(vocabulary.concept_base):
                return vocabulary, uri[len(vocabulary.concept_base):]
        return None


@dataclass(frozen=True)
class Several:
    """Several vocabularies searched as one (Skosmos' `vocab=a b`)."""

    parts: tuple[VocabularyInfo, ...]

    @property
    def id(self) -> str:
        return " ".join(v.id for v in self.parts)

    @property
    def title(self) -> dict[str, str]:
        return {}

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted({lang for v in self.parts for lang in v.languages}))

    @property
    def scheme(self) -> str:
        return ""

    @property
    def loaded(self) -> bool:
        return False

    def owns(self, uri: str) -> bool:
        return any(v.owns(uri) for v in self.parts)


def vocabularies_of(manifest: Mapping, store: GraphStore) -> Served:
    """Served vocabularies from an artifact's manifest (artifacts built before "vocabs" have one)."""
    built = [VocabularyInfo.from_json(v) for v in manifest.get("vocabs") or ()]
    if not built:
        vocid = manifest.get("vocab_id") or FALLBACK_ID
        built = [VocabularyInfo(id=vocid, title={}, base_iri=manifest.get("base_iri") or default_base(vocid))]
    loaded = []
    for item in manifest.get("vocabularies") or ():  # `kg load`: concepts are those typed in its graph
        graph = ox.NamedNode(item["graph"])
        members = frozenset(r["c"][0] for r in store.select(LOADED_CONCEPTS, g=graph))
        titles = [r["t"] for r in store.select(LOADED_TITLES, g=graph)]
        title = {lang or "": text for text, lang in reversed(titles)} or {"": item["id"]}
        loaded.append(VocabularyInfo(id=item["id"], title=title, base_iri="", graph=item["graph"],
                                     members=members, concepts=len(members)))
    return Served(built + loaded)
