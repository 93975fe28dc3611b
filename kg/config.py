"""Settings read once from KG_* environment variables by the CLI and create_app()."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from kg.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_home() -> Path:
    """Where data, corpus and model live when no KG_* variable says otherwise (KG_HOME overrides).

    Run from a source checkout, the checkout itself (var/, data/corpus/, models/ as `make` lays them
    out); installed with pip there is no checkout beside the package, so the per-user data folder
    ($XDG_DATA_HOME/jaterm, else ~/.local/share/jaterm), laid out the same way. Never the working
    directory: `jaterm` behaves the same wherever it is started.
    """
    if (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "kg" / "config.py").is_file():
        return PROJECT_ROOT
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "jaterm"


HOME = Path(os.environ.get("KG_HOME") or default_home())
DEFAULT_CORPUS = HOME / "data" / "corpus"
DEFAULT_MODEL = HOME / "models" / "ja-ginza-sif"
DEFAULT_RATE_LIMITS = "sparql=120,suggest=600,export=30,documents=30"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _int(name: str, default: int) -> int:
    return int(_float(name, default))


def _store(value: str) -> str:
    """KG_STORE, checked now so that a bad remote-store URL stops start-up (see kg.remote)."""
    if value not in ("", "embedded"):
        from kg.remote import parse_store

        parse_store(value)
    return value or "embedded"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a deployment; library functions take explicit arguments."""

    data_dir: Path = HOME / "var"
    corpus_dir: Path = DEFAULT_CORPUS
    # Vocabularies (kg.vocabularies): a configuration file, else the documents name their one vocabulary.
    vocabularies_file: Path | None = None  # KG_VOCABULARIES
    base_iri: str = ""  # KG_BASE_IRI: the default vocabulary's base; unset: the configuration's, else .../<id>/
    vocab_id: str = ""  # KG_VOCAB_ID / KG_VOCAB_TITLE: id and title of a vocabulary built without configuration
    vocab_title: str = ""
    embedding_model: Path = DEFAULT_MODEL
    query_prefix: str = ""
    document_prefix: str = ""
    store: str = "embedded"  # or sparql+http://host:port/ for a remote SPARQL 1.1 store
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    sparql_timeout_s: float = 5.0
    sparql_max_rows: int = 10_000
    sparql_memory_mb: int = 2048
    sparql_workers: int = 2
    search_threshold: float | None = None
    keep_artifacts: int = 3
    # Write API (POST /rest/v1/documents): off unless a token is configured.
    write_token: str | None = field(default=None, repr=False)  # kept out of logs and tracebacks
    max_document_mb: float = 8.0  # per added glossary, CLI and HTTP alike (glossaries are kilobytes)
    max_body_bytes: int = 1024 * 1024  # every other request body
    # Path + query. Long enough for a GET SPARQL query of a few thousand characters; longer ones go in a POST body.
    max_url_bytes: int = 32 * 1024
    # Per client and per worker, requests per minute: "off", or "sparql=120,suggest=600,...". Off for a
    # Settings() made in code (tests, benchmarks); `kg serve` reads KG_RATE_LIMITS, default DEFAULT_RATE_LIMITS.
    rate_limits: str = "off"
    extra: dict = field(default_factory=dict)

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def current_artifact(self) -> Path:
        return self.artifacts_dir / "current"

    @property
    def documents_dir(self) -> Path:
        """Glossaries added with `kg add` or POST /rest/v1/documents; every build ingests them too."""
        return self.data_dir / "documents"

    @property
    def max_document_bytes(self) -> int:
        return int(self.max_document_mb * 1024 * 1024)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        defaults = cls()
        threshold = env.get("KG_SEARCH_THRESHOLD")
        return cls(
            data_dir=Path(env.get("KG_DATA_DIR", defaults.data_dir)),
            corpus_dir=Path(env.get("KG_CORPUS_DIR", defaults.corpus_dir)),
            vocabularies_file=Path(env["KG_VOCABULARIES"]) if env.get("KG_VOCABULARIES") else None,
            base_iri=env.get("KG_BASE_IRI", defaults.base_iri),
            vocab_id=env.get("KG_VOCAB_ID", defaults.vocab_id),
            vocab_title=env.get("KG_VOCAB_TITLE", defaults.vocab_title),
            embedding_model=Path(env.get("KG_EMBEDDING_MODEL", defaults.embedding_model)),
            query_prefix=env.get("KG_EMBEDDING_QUERY_PREFIX", ""),
            document_prefix=env.get("KG_EMBEDDING_DOCUMENT_PREFIX", ""),
            store=_store(env.get("KG_STORE", defaults.store)),
            host=env.get("KG_HOST", defaults.host),
            port=_int("KG_PORT", defaults.port),
            workers=_int("KG_WORKERS", defaults.workers),
            sparql_timeout_s=_float("KG_SPARQL_TIMEOUT", defaults.sparql_timeout_s),
            sparql_max_rows=_int("KG_SPARQL_MAX_ROWS", defaults.sparql_max_rows),
            sparql_memory_mb=_int("KG_SPARQL_MEMORY_MB", defaults.sparql_memory_mb),
            sparql_workers=_int("KG_SPARQL_WORKERS", defaults.sparql_workers),
            search_threshold=float(threshold) if threshold else None,
            write_token=env.get("KG_WRITE_TOKEN") or None,
            max_document_mb=_float("KG_MAX_DOCUMENT_MB", defaults.max_document_mb),
            max_body_bytes=_int("KG_MAX_BODY_BYTES", defaults.max_body_bytes),
            max_url_bytes=_int("KG_MAX_URL_BYTES", defaults.max_url_bytes),
            rate_limits=env.get("KG_RATE_LIMITS", DEFAULT_RATE_LIMITS),
        )
