"""``iran-sim dashboard``: serve the browser dashboard (``server.py``) with Solara.

Listens on 127.0.0.1 unless told otherwise, sends no telemetry, checks no versions
online and loads Solara's front-end from the installed ``solara-assets``, so it works
on an air-gapped machine. Each browser session gets its own model.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from cli.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
SERVER = Path(__file__).resolve().parent.parent / "server.py"
# Debian's Chromium and the flags that keep it off the network, for the browser tests and
# the latency benchmark (never a downloaded browser).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``dashboard`` subcommand."""
    parser = subparsers.add_parser(
        "dashboard",
        help="open the browser dashboard (Solara)",
        description="Serve the dashboard: watch a run month by month, compare engagement "
        "with refusal, export the run as CSV. Open the printed address in a browser; "
        "stop with Ctrl-C.",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only; "
        "0.0.0.0 exposes the dashboard to the network)",
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free port)",
    )
    parser.set_defaults(func=run)


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return value


def check_address(host: str, port: int) -> None:
    """Fail early, in one line, if the address cannot be listened on."""
    if not host.strip():
        raise UsageError("--host must not be empty")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UsageError(f"--host {host!r} is not an address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # as the server does: a port left in TIME_WAIT by a stopped server is usable
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {host}:{port} ({exc.strerror}); "
                "choose another --port or stop the program using it"
            ) from None


def solara_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line for the dashboard.

    ``--production`` turns off Solara's auto-reloader, which otherwise unloads and
    re-imports modules under the project folder (including a ``.venv`` kept there,
    which breaks numpy's extension modules); ``--check-version`` is never given (it
    queries the network).
    """
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(SERVER),
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
        "--production",
    ]


def dashboard_environment() -> dict[str, str]:
    """The environment for the server: telemetry off."""
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    return env


def run(args: argparse.Namespace) -> int:
    """Check the address, then replace this process with the Solara server.

    Replacing (rather than starting a child) lets Ctrl-C and a service manager's stop
    signal reach the server directly, so no server is ever left running on its own.
    """
    if not SERVER.is_file():
        raise UsageError(f"{SERVER} not found: is the project installed from its folder?")
    check_address(args.host, args.port)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if args.port:
        print(
            f"iran-sim dashboard: open http://{shown}:{args.port}/ (Ctrl-C stops)", file=sys.stderr
        )
    sys.stderr.flush()
    command = solara_command(args.host, args.port)
    os.execve(command[0], command, dashboard_environment())
    return 0  # not reached: execve does not return
