"""`duban serve [--port N] [--host 127.0.0.1]`: the app under waitress (static files by WhiteNoise)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def run_server(*, host: str, port: int, threads: int = 8) -> None:
    """Block serving the WSGI app; factored out so tests can replace it."""
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    application = get_wsgi_application()

    serve(application, host=host, port=port, threads=threads, ident="duban")


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
