"""`harness view [RESULTS_DIR]`: browse run reports, a leaderboard and run comparisons on a local
web server (127.0.0.1 only) until Ctrl-C. The pages live in harness/report/view.py."""

from __future__ import annotations

import argparse
import os


def cmd_view(args: argparse.Namespace) -> int:
    from pathlib import Path

    from harness.report.view import make_server

    server = make_server(Path(args.results_dir), args.port)
    port = server.server_address[1]
    print(f"serving {args.results_dir} at http://127.0.0.1:{port}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("view", help="browse run reports, a leaderboard and run comparisons on a local web server")
    parser.add_argument("results_dir", nargs="?", default=os.environ.get("HARNESS_RESULTS_DIR", "results"), metavar="RESULTS_DIR",
                        help="the folder holding run folders (default: results)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default %(default)s; 0 = any free port)")
    parser.set_defaults(func=cmd_view)
