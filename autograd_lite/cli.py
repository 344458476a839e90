"""The ``autograd-lite`` command (also ``python -m autograd_lite``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograd-lite",
        description="Reverse-mode automatic differentiation on numpy: demos and graph tools.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the course examples end to end")
    demo.add_argument("--out-dir", default=".", help="where the demo writes its files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from .demo import run

        run(args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
