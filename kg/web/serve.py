"""Run the app under gunicorn (production) or Flask's development server."""

from __future__ import annotations

import logging
import threading

from kg.config import Settings

log = logging.getLogger(__name__)


def serve_in_thread(app):
    """A werkzeug server for app on a free loopback port, in a daemon thread: (server, base URL)."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def run_server(settings: Settings, dev: bool = False) -> None:
    from kg.web import create_app

    logging.getLogger("kg").setLevel(logging.INFO)
    if dev:
        create_app(settings).run(host=settings.host, port=settings.port, threaded=True)
        return
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{settings.host}:{settings.port}")
            self.cfg.set("workers", settings.workers)
            self.cfg.set("threads", 4)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 10)
            # Our own 414 problem+json answers long URLs; gunicorn then only caps request lines at 1 MB.
            self.cfg.set("limit_request_line", 0)

        def load(self):
            app = create_app(settings)
            app.extensions["kg"].load()  # fail fast and warm up before taking traffic
            return app

    print(f"serving on http://{settings.host}:{settings.port}  (Ctrl-C stops)", flush=True)
    _App().run()
