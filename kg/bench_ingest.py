"""`kg bench-ingest`: how `kg build` scales with the size of one glossary (5k → 50k entries).

For each size and layout a synthetic glossary (kg.synthetic_glossary) is written to a temporary
folder and built by the real `python -m kg build FILE` in a child process with a data directory of
its own, so the numbers are a user's: interpreter start, model load, reading, extraction, graph,
store, index and calibration. Wall time comes from the clock, peak memory from the child's rusage
(os.wait4: the child alone, not this process nor other children).

Beside each build, in the same run, a reference does the two costs no build can avoid, in a child
of its own: a raw fugashi parse of every line of the same file and a raw pyoxigraph bulk load of
the very quads the build ingested. The build is reported as a multiple of that reference, so a
slower or busier machine moves both. The targets (issue 12: 50k entries in ≤ 90 s and ≤ 3 GB)
are checked against the largest size; nothing here is asserted by a test.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kg.synthetic_glossary import LAYOUTS, corpus_vocabulary, generate_entries, write_glossary

SIZES = (5_000, 10_000, 20_000, 50_000)
QUICK_SIZES = (500, 1_000, 2_000)
TARGET_ENTRIES, TARGET_SECONDS, TARGET_MB = 50_000, 90.0, 3 * 1024
SUFFIX = {"csv": "csv", "text": "txt"}
# Environment a child build must not inherit: a configured vocabulary or remote store would
# replace the one file given.
_DROPPED_ENV = ("KG_VOCABULARIES", "KG_STORE", "KG_DATA_DIR")

_BUILT = re.compile(r"built \S+: (\d+) documents, (\d+) concepts, (\d+) quads")
_READ = re.compile(r"read \S+: (\d+) entries by (\S+)")

# The reference, run as `python -c REFERENCE FILE NQUADS STORE_DIR`.
REFERENCE = """
import json, sys, time
import fugashi, pyoxigraph as ox
started = time.perf_counter()
tagger = fugashi.Tagger()
tokens = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            for word in tagger(line.strip()):
                word.feature  # ingest reads every token's features: decode them here too
                tokens += 1
tokenize_s = time.perf_counter() - started
started = time.perf_counter()
with open(sys.argv[2], "rb") as f:
    data = f.read()
store = ox.Store(sys.argv[3])
store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
store.flush()
store.optimize()
quads = len(store)
load_s = time.perf_counter() - started
print(json.dumps({"tokenize_s": tokenize_s, "load_s": load_s, "tokens": tokens, "quads": quads}))
"""


@dataclass
class ChildRun:
    returncode: int
    seconds: float
    peak_mb: float
    stdout: str
    stderr: list[tuple[float, str]]  # (seconds since start, line)
    peaks: list[float] = field(default_factory=list)  # the child's peak RSS (MB) so far, at each `[build]` line
    tree_peak_mb: float = 0.0  # peak memory of the child and the workers it forks, together (sampled)


@dataclass
class IngestMeasurement:
    entries: int  # asked for
    layout: str
    file_mb: float
    seconds: float
    peak_mb: float
    read_entries: int = 0
    reader: str = ""
    concepts: int = 0
    quads: int = 0
    steps: dict[str, float] = field(default_factory=dict)  # build step -> seconds
    step_peak_mb: dict[str, float] = field(default_factory=dict)  # build step -> peak RSS by its end
    tree_peak_mb: float = 0.0  # peak memory of the build with its worker processes (peak_mb is the larger)
    ref_tokenize_s: float = 0.0
    ref_load_s: float = 0.0
    ref_peak_mb: float = 0.0
    error: str | None = None

    @property
    def ref_s(self) -> float:
        return self.ref_tokenize_s + self.ref_load_s

    @property
    def per_1k_s(self) -> float:
        return self.seconds / (self.entries / 1000)

    @property
    def ratio(self) -> float:
        return self.seconds / self.ref_s if self.ref_s else math.nan

    def to_json(self) -> dict:
        return {**asdict(self), "ref_s": round(self.ref_s, 3), "per_1k_s": round(self.per_1k_s, 3),
                "ratio": round(self.ratio, 2)}


def run_child(cmd: Sequence[str], env: dict[str, str], timeout_s: float) -> ChildRun:
    """Run cmd; wall time, the child's own peak RSS, stdout, and stderr lines with their times."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # noqa: S603
                            text=True, encoding="utf-8", errors="replace")
    lines: list[tuple[float, str]] = []
    peaks: list[float] = []

    def collect() -> None:
        for line in proc.stderr or ():
            lines.append((time.perf_counter() - started, line.rstrip("\n")))
            if line.startswith("[build] "):
                peaks.append(_peak_so_far(proc.pid))

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    tree = TreeMemory(proc.pid)
    sampler = threading.Thread(target=tree.sample_until, args=(proc,), daemon=True)
    sampler.start()
    watchdog = threading.Timer(timeout_s, proc.kill)
    watchdog.start()
    try:
        stdout = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)  # this child's rusage alone
    finally:
        watchdog.cancel()
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(5)
    sampler.join(5)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    # ru_maxrss (KiB) is the largest single process; a build that forks workers holds more than that at
    # once, so the peak is the larger of it and the sampled memory of the whole process tree (TreeMemory).
    return ChildRun(proc.returncode, seconds, max(usage.ru_maxrss / 1024, tree.peak_mb), stdout, lines, peaks,
                    tree.peak_mb)


class TreeMemory:
    """Peak memory of a process and the workers it forks, together, sampled once a second.

    The sum of RSS over the tree counts twice every page a forked worker still shares with its parent.
    What the tree holds is the root's RSS plus each descendant's private pages (pages it wrote or
    allocated after the fork). The root's RSS is a counter (/proc/PID/status), read for free; a
    descendant's private pages take a walk of its page tables (smaps_rollup). The root is never
    walked: at 50k entries one walk of it took 40-130 ms, holding the lock the build's threads need
    to map memory. (Sampling every 2 s missed the workers' short peaks by 500-700 MB.)
    """

    def __init__(self, pid: int, interval_s: float = 1.0):
        self.pid = pid
        self.interval_s = interval_s
        self.peak_mb = 0.0

    def sample(self) -> float:
        """The tree's memory now, in MB."""
        return _rss_mb(self.pid) + sum(_private_mb(pid) for pid in _tree(self.pid) if pid != self.pid)

    def sample_until(self, proc: subprocess.Popen) -> None:
        while proc.poll() is None:
            self.peak_mb = max(self.peak_mb, self.sample())
            time.sleep(self.interval_s)


def _tree(root: int) -> list[int]:
    """root and its descendants (Linux /proc; just root elsewhere)."""
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return [root]
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                # pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):  # exited meanwhile
            continue
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _rss_mb(pid: int) -> float:
    """The process's resident set in MB (a kernel counter: reading it costs nothing); 0 once it is gone."""
    return _proc_fields(f"/proc/{pid}/status", ("VmRSS:",))


def _private_mb(pid: int) -> float:
    """Pages the process alone holds, in MB; 0 once it is gone (or without smaps_rollup: not Linux)."""
    return _proc_fields(f"/proc/{pid}/smaps_rollup", ("Private_Clean:", "Private_Dirty:"))


def _proc_fields(path: str, names: tuple[str, ...]) -> float:
    """The sum of the named kB fields of a /proc file, in MB."""
    total = 0
    try:
        with open(path, encoding="ascii") as lines:
            for line in lines:
                if line.startswith(names):
                    total += int(line.split()[1])
    except (OSError, ValueError):  # exited meanwhile
        return 0.0
    return total / 1024


def _peak_so_far(pid: int) -> float:
    """The process's peak RSS so far in MB (Linux /proc; 0 where there is none)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):  # not Linux, or the child has just exited: the total peak is still known
        return 0.0
    return 0.0


def step_peaks(stderr: list[tuple[float, str]], peaks: list[float], total_mb: float) -> dict[str, float]:
    """Peak RSS by the end of each `[build] step`: the peak read at the next step's line."""
    names = [line.removeprefix("[build] ").strip() for _, line in stderr if line.startswith("[build] ")]
    if len(names) != len(peaks):
        return {}
    ends = [*peaks[1:], total_mb]
    return {name: round(end, 0) for name, end in zip(["start-up", *names], [peaks[0], *ends], strict=False)
            if name != "done"}


def step_seconds(stderr: list[tuple[float, str]], total: float) -> dict[str, float]:
    """Seconds per `[build] step` line: from one step's line to the next (start-up before the first)."""
    marks = [(t, line.removeprefix("[build] ").strip()) for t, line in stderr if line.startswith("[build] ")]
    if not marks:
        return {}
    steps = {"start-up": round(marks[0][0], 2)}
    for (t, name), (t_next, _) in zip(marks, [*marks[1:], (total, "")], strict=True):
        if name != "done":
            steps[name] = round(t_next - t, 2)
    return steps


def child_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env["KG_DATA_DIR"] = str(data_dir)
    return env


def measure(path: Path, entries: int, layout: str, work: Path, timeout_s: float) -> IngestMeasurement:
    """One real `kg build` of path, then the reference on the same file and the quads it ingested."""
    data_dir = work / f"data-{layout}-{entries}"
    shutil.rmtree(data_dir, ignore_errors=True)
    run = run_child([sys.executable, "-m", "kg", "build", str(path)], child_env(data_dir), timeout_s)
    result = IngestMeasurement(entries, layout, round(path.stat().st_size / 2**20, 2), round(run.seconds, 2),
                               round(run.peak_mb, 1), steps=step_seconds(run.stderr, run.seconds),
                               step_peak_mb=step_peaks(run.stderr, run.peaks, run.peak_mb),
                               tree_peak_mb=round(run.tree_peak_mb, 1))
    try:
        if run.returncode != 0:
            tail = [line for _, line in run.stderr if line.strip()][-1:] or [f"exit status {run.returncode}"]
            result.error = "build failed: " + tail[0]
            return result
        if built := _BUILT.search(run.stdout):
            result.concepts, result.quads = int(built[2]), int(built[3])
        for _, line in run.stderr:
            if read := _READ.match(line):
                result.read_entries, result.reader = int(read[1]), read[2]
        ingested = data_dir / "artifacts" / "current" / "ingested.nq"
        ref = run_child([sys.executable, "-c", REFERENCE, str(path), str(ingested), str(work / "reference-store")],
                        child_env(data_dir), timeout_s)
        if ref.returncode != 0:
            result.error = "reference failed: " + next((line for _, line in reversed(ref.stderr) if line.strip()), "")
            return result
        numbers = json.loads(ref.stdout.strip().splitlines()[-1])
        result.ref_tokenize_s = round(numbers["tokenize_s"], 3)
        result.ref_load_s = round(numbers["load_s"], 3)
        result.ref_peak_mb = round(ref.peak_mb, 1)
        return result
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(work / "reference-store", ignore_errors=True)


def run_bench_ingest(corpus_dir: Path, sizes: Sequence[int] = SIZES, layouts: Sequence[str] = LAYOUTS, seed: int = 0,
                     work_dir: Path | None = None, timeout_s: float = 900.0,
                     log: Callable[[str], None] = lambda _m: None) -> list[IngestMeasurement]:
    """Generate, build and measure every size in every layout; the glossaries live only in a temporary folder."""
    unknown = [layout for layout in layouts if layout not in LAYOUTS]
    if unknown:
        raise ValueError(f"unknown layout {', '.join(unknown)}; choose from {', '.join(LAYOUTS)}")
    if not sizes or min(sizes) < 1:
        raise ValueError("sizes must be positive entry counts")
    vocab = corpus_vocabulary(corpus_dir)
    results = []
    with tempfile.TemporaryDirectory(prefix="kg-bench-ingest-", dir=work_dir) as tmp:
        work = Path(tmp)
        for n in sorted(sizes):
            entries = generate_entries(n, vocab, seed)
            for layout in layouts:
                path = write_glossary(work / f"glossary-{n}.{SUFFIX[layout]}", layout, entries, seed)
                log(f"[bench-ingest] {n} entries, {layout}: building")
                result = measure(path, n, layout, work, timeout_s)
                log(f"[bench-ingest] {n} entries, {layout}: {result.seconds:.1f} s, {result.peak_mb:.0f} MB"
                    + (f" ({result.error})" if result.error else ""))
                results.append(result)
                path.unlink()
    return results


def growth(small: IngestMeasurement, large: IngestMeasurement) -> tuple[float, float]:
    """Exponent k of time ~ entries^k between two sizes, and extra MB per 10k entries."""
    scale = large.entries / small.entries
    k = math.log(large.seconds / small.seconds) / math.log(scale) if small.seconds and scale > 1 else math.nan
    mb_per_10k = (large.peak_mb - small.peak_mb) / ((large.entries - small.entries) / 10_000)
    return k, mb_per_10k


def format_bench_ingest(results: list[IngestMeasurement]) -> str:
    lines = [f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine slows "
             "build and reference alike)", ""]
    lines.append(f"{'entries':>8} {'layout':<6} {'MB':>5} {'read':>7} {'concepts':>8} {'build s':>8} {'peak MB':>8} "
                 f"{'s/1k':>6} {'ref s':>7} {'×ref':>6} {'ref MB':>7}")
    for r in results:
        if r.error:
            lines.append(f"{r.entries:>8} {r.layout:<6} {r.file_mb:>5.1f}  {r.error}")
            continue
        flag = "" if r.concepts == r.entries and r.read_entries == r.entries else "  (!) expected one concept per entry"
        lines.append(f"{r.entries:>8} {r.layout:<6} {r.file_mb:>5.1f} {r.read_entries:>7} {r.concepts:>8} "
                     f"{r.seconds:>8.1f} {r.peak_mb:>8.0f} {r.per_1k_s:>6.2f} {r.ref_s:>7.2f} {r.ratio:>5.1f}x "
                     f"{r.ref_peak_mb:>7.0f}{flag}")
    lines.append("(ref: raw fugashi parse of the file's lines + raw pyoxigraph bulk load of the build's quads, "
                 "in a child process of its own; peak MB: the larger of the build process's peak RSS and the "
                 "sampled RSS of the build plus the private pages of the workers it forks)")
    for layout in dict.fromkeys(r.layout for r in results):
        runs = sorted((r for r in results if r.layout == layout and not r.error), key=lambda r: r.entries)
        if not runs:
            continue
        largest = runs[-1]
        steps = ", ".join(f"{k} {v:.1f}" for k, v in largest.steps.items())
        lines.append(f"{layout} at {largest.entries}: {steps} s")
        if largest.step_peak_mb:
            peaks = ", ".join(f"{k} {v:.0f}" for k, v in largest.step_peak_mb.items())
            lines.append(f"{layout} at {largest.entries}, peak MB by the end of each step: {peaks}")
        if len(runs) > 1:
            k, mb = growth(runs[0], largest)
            lines.append(f"{layout} {runs[0].entries} → {largest.entries}: time grows as entries^{k:.2f} "
                         f"(×{largest.seconds / runs[0].seconds:.1f} for ×{largest.entries / runs[0].entries:.0f}), "
                         f"memory +{mb:.0f} MB per 10k entries")
    at_target = [r for r in results if r.entries == TARGET_ENTRIES]
    for r in at_target:
        if r.error:
            lines.append(f"target {TARGET_ENTRIES} {r.layout}: MISSED ({r.error})")
            continue
        ok_s, ok_mb = r.seconds <= TARGET_SECONDS, r.peak_mb <= TARGET_MB
        lines.append(f"target {TARGET_ENTRIES} {r.layout}: {r.seconds:.1f} s {'≤' if ok_s else '>'} "
                     f"{TARGET_SECONDS:.0f} s, {r.peak_mb:.0f} MB {'≤' if ok_mb else '>'} {TARGET_MB} MB: "
                     f"{'holds' if ok_s and ok_mb else 'MISSED'}")
    if not at_target:
        lines.append(f"targets ({TARGET_ENTRIES} entries in ≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_MB} MB): not measured "
                     "at this size")
    lines.append(json.dumps([r.to_json() for r in results], ensure_ascii=False))
    return "\n".join(lines)
