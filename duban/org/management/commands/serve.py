"""`duban serve [--port N] [--host 127.0.0.1]`: the app under waitress (static files by WhiteNoise)."""

from __future__ import annotations

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
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    application = get_wsgi_application()

    serve(application, host=host, port=port, **waitress_settings(threads=threads))


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


def serve_from_options(command: BaseCommand, options: dict[str, Any]) -> None:
    """Check the options, print the URL, and serve until interrupted."""
    port, host, threads = options["port"], options["host"], options["threads"]
    if not 0 < port < 65536:
        raise CommandError(f"端口应在1到65535之间：{port}")
    if threads < 1:
        raise CommandError(f"线程数至少为1：{threads}")
    refuse_insecure_secret_key()
    command.stdout.write(command.style.SUCCESS(f"督办已启动：{server_url(host, port)}"))
    command.stdout.write("按 Ctrl+C 停止。")
    command.stdout.flush()
    try:
        run_server(host=host, port=port, threads=threads)
    except KeyboardInterrupt:
        command.stdout.write("已停止。")
    except OSError as e:
        raise CommandError(f"无法在 {host}:{port} 启动服务：{e}") from e


class Command(BaseCommand):
    help = "启动督办网页服务（waitress），默认 http://127.0.0.1:8000/"

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        serve_from_options(self, options)
