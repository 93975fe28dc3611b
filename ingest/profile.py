"""Extraction profiles: the corpus-specific strings, scores and thresholds, kept as data.

Rules in `ingest/` are written for Japanese glossaries in general. What was fitted to one
collection of documents (a domain word that article titles open with, a score that separates two
candidate headwords) lives in a profile, a TOML file, so that a user can see it, change it, and
ship another one. The profile used by a build is recorded in the artifact manifest (its name and
sha256). `default.toml` names no domain; `KG_PROFILE` (a path) or `--profile` picks another.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

PROFILE_DIR = Path(__file__).with_name("profiles")
DEFAULT_PROFILE = PROFILE_DIR / "default.toml"


class ProfileError(ValueError):
    """A profile file that cannot be read or has a value of the wrong type."""


@dataclass(frozen=True)
class Profile:
    name: str
    path: str
    sha256: str
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        return self.sections.get(name, {})

    def get(self, section: str, key: str, default: Any) -> Any:
        """A setting, or `default` when the profile does not set it; the type must match the default's."""
        value = self.sections.get(section, {}).get(key, default)
        if default is not None and not isinstance(value, type(default)) and not (
            isinstance(default, float) and isinstance(value, int)
        ):
            raise ProfileError(f"{self.path}: [{section}] {key} must be {type(default).__name__}, got {value!r}")
        return value

    def strings(self, section: str, key: str) -> tuple[str, ...]:
        value = self.get(section, key, [])
        if not all(isinstance(item, str) for item in value):
            raise ProfileError(f"{self.path}: [{section}] {key} must be a list of strings")
        return tuple(value)

    def manifest(self) -> dict[str, str]:
        return {"name": self.name, "path": self.path, "sha256": self.sha256}


def load_profile(path: str | Path) -> Profile:
    path = Path(path)
    try:
        data = path.read_bytes()
        sections = tomllib.loads(data.decode("utf-8"))
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read profile ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: not a valid TOML profile ({exc})") from exc
    if not all(isinstance(value, dict) for value in sections.values()):
        raise ProfileError(f"{path}: a profile holds only [sections]")
    return Profile(path.stem, str(path), hashlib.sha256(data).hexdigest(), sections)


@lru_cache(maxsize=8)
def _cached(path: str) -> Profile:
    return load_profile(path)


_ACTIVE: ContextVar[Profile | None] = ContextVar("ingest_profile", default=None)


def named_profile(name_or_path: str) -> Profile:
    """A packaged profile by name (`callcenter`) or a profile file by path."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = PROFILE_DIR / f"{name_or_path}.toml"
    return _cached(str(path))


def current_profile() -> Profile:
    """The profile in force: the one `use_profile` set, else `KG_PROFILE`, else the packaged default."""
    return _ACTIVE.get() or named_profile(os.environ.get("KG_PROFILE") or str(DEFAULT_PROFILE))


@contextmanager
def use_profile(profile: Profile | None) -> Iterator[Profile]:
    """Make `profile` current for the ingest code run inside the block (None: leave it as it is)."""
    token = _ACTIVE.set(profile) if profile is not None else None
    try:
        yield current_profile()
    finally:
        if token is not None:
            _ACTIVE.reset(token)
