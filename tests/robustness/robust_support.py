"""Shared by the robustness tests: the bad-input corpus, an invented glossary, and a gunicorn server.

The bad inputs are generated here (into tmp_path when a file is needed), never committed: some are large.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kg.config import PROJECT_ROOT, Settings

SNIPPETS = Path(__file__).parents[1] / "data"
TOKEN = "robustness-test-token"

# Invented terms that no bundled glossary has, so a lookup proves the added document is served.
NEW_GLOSSARY = """頭文字: ら行

ロバスト受付

障害が起きても止まらずに問い合わせを受け付ける窓口のこと。

ロバスト転送

回線が切れても通話を別の窓口に引き継ぐ仕組みのこと。関連用語「ロバスト受付」
"""
NEW_TERMS = ("ロバスト受付", "ロバスト転送")


@dataclass(frozen=True)
class Bad:
    """One bad input and what must come of it: accepted (with this encoding) or rejected (with this reason)."""

    data: bytes
    accepted: bool
    says: str  # the encoding when accepted, a substring of the reason when rejected


def bad_inputs() -> dict[str, Bad]:
    good = NEW_GLOSSARY
    raw = good.encode("utf-8")
    middle = len(raw) // 2
    html = ("<html><head><script>alert('head')</script></head><body><dl>"
            "<dt>ロバスト入電</dt><dd>外部から電話がかかってくること。<script>document.cookie</script></dd>"
            "<dt>ロバスト架電</dt><dd>オペレーターから顧客へ電話をかけること。<img src=x onerror=alert(1)></dd>"
            "</dl></body></html>")
    dangling = ("ロバスト入電\n\n外部から電話がかかってくること。関連用語「存在しない用語」「幻の概念」\n\n"
                "ロバスト架電\n\nオペレーターから顧客へ電話をかけること。対義語「どこにもない語」\n")
    return {
        "empty.txt": Bad(b"", False, "empty file"),
        "blank.txt": Bad(b"\n \n\t\n", False, "empty file"),
        "binary.txt": Bad(bytes(range(256)) * 64, False, "binary file"),
        "random.txt": Bad(os.urandom(8192), False, "not"),  # "binary file" or "not valid UTF-8, …"
        "truncated-end.txt": Bad(raw[:-2], True, "utf-8 (truncated"),  # cut inside the last 」
        "truncated-middle.txt": Bad(raw[:middle] + b"\xe3" + raw[middle:], False, "not valid UTF-8"),
        "cp932.txt": Bad(good.encode("cp932"), True, "cp932"),
        "euc-jp.txt": Bad(good.encode("euc_jp"), True, "euc_jp"),
        "utf-16.txt": Bad(good.encode("utf-16"), True, "utf-16"),
        "utf-16-le.txt": Bad(good.encode("utf-16-le"), True, "utf-16-le"),
        "utf-16-be.txt": Bad(good.encode("utf-16-be"), True, "utf-16-be"),
        "utf-8-bom.txt": Bad(good.encode("utf-8-sig"), True, "utf-8-sig"),
        "crlf.txt": Bad(good.replace("\n", "\r\n").encode(), True, "utf-8"),
        "prose.txt": Bad(("今日は天気が良いので公園まで散歩に出かけた。子供たちが楽しそうに遊んでいた。" * 30).encode(),
                         False, "layout not recognised: delimited 0.00"),  # every reader says what it saw
        "long-line.txt": Bad(("あ" * 1_000_000).encode(), False, "no glossary entries"),
        "long-definition.txt": Bad((good + "\nロバスト長文\n\n" + "長い定義の文が続く。" * 50_000 + "\n").encode(),
                                   True, "utf-8"),
        "one-nul.txt": Bad(raw.replace("のこと。".encode(), "のこと。\x00".encode(), 1), True, "utf-8"),
        "many-nuls.txt": Bad(b"\x00".join(raw[i:i + 6] for i in range(0, len(raw), 6)), False, "binary file"),
        "controls.txt": Bad(good.replace("、", "\x07、\x1b[31m").encode(), True, "utf-8"),
        "script.html": Bad(html.encode(), True, "utf-8"),
        "duplicates.txt": Bad((good + "\n" + good).encode(), True, "utf-8"),
        "dangling.txt": Bad(dangling.encode(), True, "utf-8"),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}  # only what the test says
    env.update({"KG_DATA_DIR": str(settings.data_dir), "KG_CORPUS_DIR": str(settings.corpus_dir),
                "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(PROJECT_ROOT), **extra})
    return env


class Server:
    """`python -m kg serve` (gunicorn) on 127.0.0.1 in a subprocess, stopped with SIGTERM."""

    def __init__(self, settings: Settings, workers: int = 2, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = settings.data_dir / f"server-{self.port}.log"
        self._out = open(self.log, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=child_env(settings, KG_WORKERS=str(workers), **env), cwd=PROJECT_ROOT,
            stdout=self._out, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"server exited {self.proc.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=5) as r:  # noqa: S310 (loopback)
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server not ready in time:\n" + self.log.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._out.close()
