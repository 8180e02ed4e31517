"""`duban serve [--port N] [--host 127.0.0.1] [--workers N]`: the app under waitress, or
under gunicorn with N processes on Linux (static files by WhiteNoise)."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def waitress_settings(*, threads: int = 8) -> dict[str, Any]:
    """The server's limits (README "Running in production").

    Waitress reads and writes sockets in one asynchronous loop and hands only complete
    requests to the worker threads, so an idle or slow client holds a file descriptor, never
    a thread. What remains to bound is how many such sockets it keeps and for how long:

    - connection_limit 1000 (waitress: 100): a hundred idle connections no longer fill it;
      poll() instead of select() so more than 1024 descriptors work;
    - channel_timeout 30 s (waitress: 120): a connection silent for 30 s is closed;
    - max_request_body_size: the largest upload the product takes plus 1 MB (waitress:
      1 GB), refused before the body is buffered; max_request_header_size 64 KB;
    - backlog 1024 for bursts; threads 8 (a 2-core office server).
    """
    largest_upload = max(
        int(settings.DUBAN_IMPORT_MAX_BYTES), int(settings.DUBAN_EVIDENCE_MAX_BYTES)
    )
    return {
        "threads": threads,
        "connection_limit": int(getattr(settings, "DUBAN_SERVER_CONNECTION_LIMIT", 1000)),
        "channel_timeout": int(getattr(settings, "DUBAN_SERVER_CHANNEL_TIMEOUT", 30)),
        "cleanup_interval": 10,
        "asyncore_use_poll": True,
        "backlog": 1024,
        "max_request_body_size": largest_upload + 1024 * 1024,
        "max_request_header_size": 64 * 1024,
        "ident": "duban",
    }


def run_server(*, host: str, port: int, threads: int = 8) -> None:
    """Block serving the WSGI app; factored out so tests can replace it."""
    from waitress import serve

    from duban.core.wsgi import warm_wsgi_application

    application = warm_wsgi_application()

    serve(application, host=host, port=port, **waitress_settings(threads=threads))


def gunicorn_settings(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """N processes of `threads` threads each; the same bounds as waitress where gunicorn has
    them (body size is bounded by Django's own upload limits; gunicorn's gthread worker keeps
    idle keep-alive sockets out of the threads)."""
    shown = f"[{host}]" if ":" in host else host
    return {
        "bind": f"{shown}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "backlog": 1024,
        "worker_connections": int(getattr(settings, "DUBAN_SERVER_CONNECTION_LIMIT", 1000)),
        "keepalive": 5,
        "timeout": 120,
        "graceful_timeout": 30,
        # A worker is replaced now and then, so a slow leak never grows for months.
        "max_requests": 10000,
        "max_requests_jitter": 1000,
        "limit_request_field_size": 64 * 1024,
        "accesslog": None,
        "proc_name": "duban",
    }


def database_is_sqlite() -> bool:
    return str(settings.DATABASES["default"]["ENGINE"]).endswith("sqlite3")


def gunicorn_available() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    """Block serving with gunicorn: a master and `workers` processes (Linux)."""
    from gunicorn.app.base import BaseApplication

    from duban.core.wsgi import warm_wsgi_application

    options = gunicorn_settings(host=host, port=port, workers=workers, threads=threads)

    class _Duban(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return warm_wsgi_application()

    _Duban().run()


def refuse_insecure_secret_key() -> None:
    """Without DEBUG, sessions and CSRF tokens must be signed with a real secret key."""
    key = str(settings.SECRET_KEY)
    if not settings.DEBUG and (key.startswith("insecure-") or len(key) < 32):
        raise CommandError(
            "没有配置密钥：请设置环境变量 DUBAN_SECRET_KEY（至少32个字符的随机串，例如 "
            'python -c "import secrets; print(secrets.token_urlsafe(50))" 的输出），'
            f"或在 {settings.DATA_DIR}/secret_key 中写入一个（duban demo 会自动生成）。"
            "在未设置密钥时拒绝启动，以免使用公开的开发密钥签发登录会话。"
        )


def server_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def add_server_arguments(parser: CommandParser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="端口（默认8000）")
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="监听地址（默认127.0.0.1，只供本机访问）",
    )
    parser.add_argument("--threads", type=int, default=8, help="工作线程数（默认8）")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="进程数（默认1；大于1时在Linux上用gunicorn运行多个进程，须使用PostgreSQL）",
    )


def serve_from_options(command: BaseCommand, options: dict[str, Any]) -> None:
    """Check the options, print the URL, and serve until interrupted."""
    port, host, threads = options["port"], options["host"], options["threads"]
    workers = int(options.get("workers", 1))
    if not 0 < port < 65536:
        raise CommandError(f"端口应在1到65535之间：{port}")
    if threads < 1:
        raise CommandError(f"线程数至少为1：{threads}")
    if not 1 <= workers <= 64:
        raise CommandError(f"进程数应在1到64之间：{workers}")
    refuse_insecure_secret_key()
    if workers > 1:
        if database_is_sqlite():
            raise CommandError(
                "多个进程须使用PostgreSQL（设置 DATABASE_URL）；SQLite请用一个进程（--workers 1）。"
            )
        if not gunicorn_available():
            command.stdout.write(
                command.style.WARNING("本系统没有gunicorn（仅Linux可用），以单进程waitress运行。")
            )
            workers = 1
    command.stdout.write(command.style.SUCCESS(f"督办已启动：{server_url(host, port)}"))
    command.stdout.write("按 Ctrl+C 停止。")
    command.stdout.flush()
    try:
        if workers > 1:
            run_gunicorn(host=host, port=port, workers=workers, threads=threads)
        else:
            run_server(host=host, port=port, threads=threads)
    except KeyboardInterrupt:
        command.stdout.write("已停止。")
    except OSError as e:
        raise CommandError(f"无法在 {host}:{port} 启动服务：{e}") from e


class Command(BaseCommand):
    help = "启动督办网页服务（waitress；--workers N 时在Linux上用gunicorn），默认 http://127.0.0.1:8000/"

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        serve_from_options(self, options)
