"""Command line for the backprop-by-hand lab.

``python -m demos.autograd eval --json [--full] [--save]``  measure the lab's claims
``python -m demos.autograd graphs --save``  the panel's two graphs (a neuron, a two-layer net) with their passes and
                                           every gradient checked against torch.autograd and finite differences
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from demos.claims import add_eval_command, run_eval
from demos.common import LabError, add_common_args, apply_threads, check_common_args


def graph_record(name: str, **values: Any) -> dict[str, Any]:
    """One graph's forward/backward steps, its gradient checks and the output delta, as JSON."""
    from demos.autograd.graphs import build, checks, output_delta, passes

    return {
        "name": name,
        "values": values,
        "passes": passes(build(name, **values)),
        "checks": checks(build(name, **values)),
        "delta": output_delta(build(name, **values)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.autograd", description="The backprop-by-hand lab.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_command(sub)
    g = sub.add_parser("graphs", help="the panel's graphs, passes and gradient checks")
    add_common_args(g)
    g.add_argument("--save", action="store_true", help="write demos/autograd/results/graphs.json for the panel")
    args = parser.parse_args(argv)
    try:
        apply_threads(args.threads)
        if args.command == "eval":
            record = run_eval("autograd", args, argv)
            print(json.dumps(record, indent=2))
            return 0 if record["summary"]["holding"] == record["summary"]["claims"] else 1
        from demos.autograd.graphs import GRAPHS
        from demos.train import records

        device = check_common_args(args)
        t0 = time.perf_counter()
        out = {"graphs": {name: graph_record(name) for name in GRAPHS}}
        if args.save:
            records.write(
                "autograd",
                "graphs",
                out,
                command="python -m demos.autograd graphs --save",
                seed=args.seed,
                seconds=time.perf_counter() - t0,
                device=device,
            )
    except (LabError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({name: g["checks"] for name, g in out["graphs"].items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
