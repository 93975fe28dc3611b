"""Add or replace glossaries while the service runs: check, store atomically, rebuild under one lock.

Added files live in settings.documents_dir, each written by temp file + fsync + rename, so a reader (or a
crash) sees the old bytes or the new ones. Every build ingests the bundled corpus plus these files
(`kg.inputs.build_inputs`); a stored file shadows a corpus file of the same name, so "replace" works for
both and a replaced file keeps its name. Builds are serialised by an fcntl lock on data_dir/build.lock: the kernel
drops it when its holder dies, even by kill -9, so a crashed builder never wedges the next one.

Order inside the lock: store the new bytes, then build. A build that raises puts the previous bytes back
(documents and artifact agree again); a builder killed mid-build leaves the checked document stored and
the previous artifact serving, and the next build includes it: an accepted upload is never lost.

The web layer uses BuildQueue: a background thread per process runs the jobs with the worker's loaded
model (seconds, not a model load); job state is JSON under data_dir/jobs, readable by any worker.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import threading
import time
import unicodedata
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.errors import IngestError
from ingest.reader import document_from_bytes
from ingest.readers import UnrecognisedLayout, choose
from kg.build import BuildResult, build_artifact
from kg.config import Settings
from kg.errors import BuildError, InvalidRequest
from kg.inputs import GLOSSARY_SUFFIXES

log = logging.getLogger(__name__)

MAX_NAME_BYTES = 120
# \w is Unicode-aware, so Japanese file names pass; separators, controls and shell metacharacters do not.
NAME_CHARS = re.compile(r"^[\w\-. ()（）・]+$")
JOB_ID = re.compile(r"^[0-9a-f]{16}$")
KEEP_JOBS = 200


class DocumentRejected(InvalidRequest):
    """The file is not an acceptable glossary (not text, no entries, bad name); nothing was changed."""

    title = "Document rejected"


class DocumentTooLarge(DocumentRejected):
    title = "Document too large"


class BuildBusy(BuildError):
    """Another build holds the lock (or too many are queued); nothing was changed."""

    title = "Another build is running"


@dataclass(frozen=True)
class CheckedDocument:
    """Bytes that decode and segment into at least one glossary entry, under a safe file name."""

    name: str
    data: bytes = field(repr=False)
    encoding: str
    layout: str
    entries: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class AddResult:
    build: BuildResult
    added: list[str]
    replaced: list[str]
    warnings: list[str]


def log_event(event: str, **fields: Any) -> None:
    """One JSON object per line, so build steps can be grepped and parsed like the request log."""
    log.info("%s", json.dumps({"event": event, **fields}, ensure_ascii=False, default=str))


# --- checking ---------------------------------------------------------------------------------

def safe_name(raw: str) -> str:
    """The base name of an uploaded or added file, or DocumentRejected saying what is wrong with it."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if not name or name.startswith("."):
        raise DocumentRejected(f"file name {raw!r} is empty or hidden")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise DocumentRejected(f"file name is longer than {MAX_NAME_BYTES} bytes")
    if not NAME_CHARS.match(name):
        raise DocumentRejected(f"file name {name!r} may only contain letters, digits, spaces and - _ . ( ) ・")
    if Path(name).suffix.lower() not in GLOSSARY_SUFFIXES:
        raise DocumentRejected(f"file name {name!r} must end in one of {', '.join(GLOSSARY_SUFFIXES)}")
    return name


def _too_large(name: str, size: int, limit: int) -> DocumentTooLarge:
    return DocumentTooLarge(f"{name} is {size / 2**20:.1f} MB; the limit is {limit / 2**20:g} MB "
                            "(KG_MAX_DOCUMENT_MB)")


def check_document(data: bytes, name: str, max_bytes: int) -> CheckedDocument:
    """Decode and segment the bytes exactly as a build would; raise DocumentRejected if nothing would come of it."""
    name = safe_name(name)
    if len(data) > max_bytes:
        raise _too_large(name, len(data), max_bytes)
    try:
        doc = document_from_bytes(data, name)
    except IngestError as exc:
        raise DocumentRejected(str(exc)) from exc
    try:
        choice = choose(doc)
    except UnrecognisedLayout as exc:  # the message says what each reader saw
        raise DocumentRejected(str(exc)) from exc
    except Exception as exc:  # a reader bug on one odd file is this file's rejection, not a server error
        log.exception("reading %s failed", name)
        raise DocumentRejected(f"{name}: could not read entries ({type(exc).__name__}: {exc})") from exc
    return CheckedDocument(name, data, doc.encoding, choice.reading.layout, len(choice.reading.entries))


def check_file(path: Path, max_bytes: int) -> CheckedDocument:
    """check_document for a file on disk; the size is checked before reading so a huge file costs nothing."""
    name = safe_name(path.name)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(name, size, max_bytes)
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentRejected(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return check_document(data, name, max_bytes)


# --- storage ----------------------------------------------------------------------------------

def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, fsync, rename over it, fsync the directory: old bytes or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")  # .part: no build ever picks it up
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def build_lock(settings: Settings, wait_s: float | None = None) -> Iterator[None]:
    """Hold the one build lock. wait_s: None waits as long as it takes, 0 fails at once, else up to wait_s."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "build.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if wait_s is not None and time.monotonic() - started >= wait_s:
                    raise BuildBusy(f"another build is running ({_holder(path)}); nothing was changed. "
                                    "Try again when it has finished (kg add --wait SECONDS queues)") from None
                time.sleep(0.1)
        # Who holds it, for the message another caller gets; the lock itself is the flock, not this text.
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": _now()}).encode(), 0)
        log_event("build_lock", waited_s=round(time.monotonic() - started, 2))
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
        return f"pid {info['pid']} since {info['since']}"
    except (OSError, ValueError, KeyError):
        return "holder unknown"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _restore(settings: Settings, previous: dict[str, bytes | None]) -> None:
    for name, data in previous.items():
        target = settings.documents_dir / name
        if data is None:
            target.unlink(missing_ok=True)
        else:
            write_atomic(target, data)


def add_documents(settings: Settings, docs: Sequence[CheckedDocument], *, embedder=None,
                  wait_s: float | None = None, progress: Callable[[Iterable, str], Iterable] = lambda it, _d: it,
                  on_step: Callable[[str], None] = lambda _step: None) -> AddResult:
    """Store checked documents (adding or replacing by name) and build a new artifact including them."""
    if not docs:
        raise DocumentRejected("no documents given")
    names = [d.name for d in docs]
    if len(set(names)) != len(names):
        raise DocumentRejected("the same file name is given twice: " + ", ".join(sorted(n for n in set(names)
                                                                                      if names.count(n) > 1)))
    started = time.perf_counter()
    with build_lock(settings, wait_s):
        previous: dict[str, bytes | None] = {}
        for doc in docs:
            target = settings.documents_dir / doc.name
            previous[doc.name] = target.read_bytes() if target.exists() else None
        try:
            for doc in docs:
                write_atomic(settings.documents_dir / doc.name, doc.data)
            log_event("build_step", step="store", documents=names, elapsed_s=round(time.perf_counter() - started, 2))

            def step(name: str) -> None:
                log_event("build_step", step=name, elapsed_s=round(time.perf_counter() - started, 2))
                on_step(name)

            # No inputs: the configured vocabularies, stored documents in the default one (kg.build.build_plan).
            result = build_artifact(settings, embedder=embedder, progress=progress, on_step=step)
        except BaseException as exc:
            _restore(settings, previous)
            log_event("build_failed", documents=names, error=f"{type(exc).__name__}: {exc}",
                      elapsed_s=round(time.perf_counter() - started, 2))
            raise
    built = {d.name for d in result.report.documents}
    warnings = [f"{n}: not in the new artifact" for n in names if n not in built]
    warnings += [e for e in result.report.errors if any(e.startswith(str(settings.documents_dir / n)) for n in names)]
    log_event("build_done", artifact=result.path.name, documents=names, concepts=result.manifest["counts"]["concepts"],
              elapsed_s=round(time.perf_counter() - started, 2))
    return AddResult(result, [n for n in names if previous[n] is None], [n for n in names if previous[n] is not None],
                     warnings)


# --- background jobs (the write API) ----------------------------------------------------------

@dataclass
class Job:
    id: str
    status: str  # queued | running | done | failed
    documents: list[str]
    created: str
    pid: int
    started: str | None = None
    finished: str | None = None
    artifact: str | None = None
    counts: dict = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def _jobs_dir(settings: Settings) -> Path:
    return settings.data_dir / "jobs"


def save_job(settings: Settings, job: Job) -> None:
    write_atomic(_jobs_dir(settings) / f"{job.id}.json", json.dumps(asdict(job), ensure_ascii=False).encode())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def load_job(settings: Settings, job_id: str) -> Job | None:
    """A job as last saved; one whose process has died is reported failed (its build never published)."""
    if not JOB_ID.match(job_id):
        return None
    try:
        job = Job(**json.loads((_jobs_dir(settings) / f"{job_id}.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if job.status in ("queued", "running") and not _alive(job.pid):
        job.status = "failed"
        job.error = ("the process running this build stopped before it finished; the previous artifact is "
                     "still serving. Submit the document again")
    return job


def wait_for_job(settings: Settings, job_id: str, timeout_s: float) -> Job | None:
    """Poll the job file until the job has finished or timeout_s has passed (works from any process)."""
    deadline = time.monotonic() + timeout_s
    while True:
        job = load_job(settings, job_id)
        if job is None or job.status in ("done", "failed") or time.monotonic() >= deadline:
            return job
        time.sleep(0.1)


def _prune_jobs(settings: Settings) -> None:
    files = sorted(_jobs_dir(settings).glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in files[:-KEEP_JOBS]:
        old.unlink(missing_ok=True)


class BuildQueue:
    """Runs add_documents jobs one after another on a background thread of this process.

    Across processes (gunicorn workers, `kg add`) the build lock queues them; max_pending bounds the
    memory held by uploads waiting here.
    """

    def __init__(self, settings: Settings, embedder: Callable[[], Any], on_built: Callable[[], None] = lambda: None,
                 max_pending: int = 4):
        self.settings = settings
        self._embedder = embedder
        self._on_built = on_built
        self._max_pending = max_pending
        self._queue: deque[tuple[Job, list[CheckedDocument]]] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, docs: list[CheckedDocument]) -> Job:
        job = Job(uuid.uuid4().hex[:16], "queued", [d.name for d in docs], _now(), os.getpid())
        with self._lock:
            if len(self._queue) >= self._max_pending:
                raise BuildBusy(f"{len(self._queue)} builds are already queued; try again later")
            save_job(self.settings, job)
            self._queue.append((job, docs))
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="kg-build", daemon=True)
                self._thread.start()
        return job

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None  # the next submit starts a new thread
                    return
                job, docs = self._queue.popleft()
            self._run(job, docs)

    def _run(self, job: Job, docs: list[CheckedDocument]) -> None:
        job.status, job.started = "running", _now()
        save_job(self.settings, job)
        try:
            result = add_documents(self.settings, docs, embedder=self._embedder(), wait_s=None)
        except Exception as exc:  # reported in the job; the previous artifact keeps serving
            log.exception("build job %s failed", job.id)
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        else:
            job.status, job.artifact = "done", result.build.path.name
            job.counts, job.added, job.replaced, job.warnings = (result.build.manifest["counts"], result.added,
                                                                 result.replaced, result.warnings)
            try:
                self._on_built()
            except Exception:  # reloading is retried per request anyway
                log.exception("reloading after job %s failed", job.id)
        job.finished = _now()
        save_job(self.settings, job)
        _prune_jobs(self.settings)
