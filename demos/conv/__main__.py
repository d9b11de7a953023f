"""Command line for the convolution labs. Every command prints JSON; ``--save`` writes the record its panel shows
under ``demos/conv/results/``.

``python -m demos.conv eval --json``          measure the labs' claims (``--full`` for the full protocol)
``python -m demos.conv arithmetic --save``   receptive fields (formula and gradient), causal Jacobians, shapes
``python -m demos.conv race --save``         im2col vs FFT vs F.conv2d over kernels 3-31 and images 32-256
``python -m demos.conv strassen --save``     Strassen vs schoolbook vs library: counts, error by depth, time
``python -m demos.conv blocks --save``       efficient blocks: parameters, multiply-adds, field, time
``python -m demos.conv program5 --save``     Program #5: 3x3 vs 1x7/7x1 CNN on Fashion-MNIST (seeded)
``python -m demos.conv precision --save``    formats, rounding error, speed per format, float16 training
``python -m demos.conv throughput --save``   matmul and convolution GFLOP/s over sizes on this device
``python -m demos.conv upsampling --save``   transposed conv vs resize-conv vs classical, checkerboard energy
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from demos.claims import add_eval_command, run_eval
from demos.common import LabError, add_common_args, apply_threads, bounded, check_common_args

RECORDS = ("arithmetic", "race", "strassen", "blocks", "program5", "precision", "throughput", "upsampling")
HELP = {
    "arithmetic": "receptive fields of the preset stacks, causal Jacobians, Program #5's layer table, 3-D shapes",
    "race": "im2col vs FFT vs F.conv2d over kernel sizes 3-31 and image sizes 32-256",
    "strassen": "Strassen vs the schoolbook split vs the library: counts, error against depth, time against size",
    "blocks": "efficient blocks against the layers they replace: parameters, multiply-adds, field, time",
    "program5": "Program #5: the 3x3 and the 1x7/7x1 CNN trained on Fashion-MNIST (seeded)",
    "precision": "float formats, rounding error per format, matmul speed per format, float16 training runs",
    "throughput": "matmul and convolution GFLOP/s over sizes on the chosen device",
    "upsampling": "stride-2 transposed conv vs resize-conv vs nearest/bilinear/bicubic, checkerboard energy",
}


def _command(name: str, args: argparse.Namespace) -> str:
    words = [f"python -m demos.conv {name}"]
    if getattr(args, "quick", False):
        words.append("--quick")
    if args.threads:
        words.append(f"--threads {args.threads}")
    if getattr(args, "seed", 0):
        words.append(f"--seed {args.seed}")
    return " ".join(words)


def make_record(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Build the record of one command (see the module docstring) on the chosen device."""
    from demos.conv import records

    device = check_common_args(args)
    full = not args.quick
    command = _command(name, args)
    log: Callable[[str], None] = lambda text: print(text, file=sys.stderr)  # noqa: E731
    t0 = time.perf_counter()
    if name == "arithmetic":
        return records.arithmetic_record(device, command)
    if name == "race":
        return records.race_record(device, command, full=full, log=log)
    if name == "strassen":
        return records.strassen_record(device, command, full=full)
    if name == "blocks":
        return records.blocks_record(device, command)
    if name == "precision":
        return records.precision_record(device, command, full=full)
    if name == "throughput":
        return records.throughput_record(device, command, full=full)
    if name == "program5":
        from demos.conv.program5 import Config, run

        config = Config(seed=args.seed)
        if not full:
            config = replace(config, train_images=2000, test_images=2000, epochs=1)
        bounded("--seed", args.seed, 0, 2**31 - 1)
        last = [0.0]

        def progress(p: Any) -> None:
            if time.perf_counter() - last[0] > 5:
                last[0] = time.perf_counter()
                log(f"{p.kind}: step {p.step}/{p.steps} loss {p.loss:.3f}")

        return {**run(config, device, progress), **records.stamp(device, command, t0)}
    if name == "upsampling":
        from demos.conv.upsampling import Config as UpConfig
        from demos.conv.upsampling import compare

        up = UpConfig(seed=args.seed) if full else UpConfig(steps=60, seed=args.seed)
        return {**compare(up, device), **records.stamp(device, command, t0)}
    raise LabError(f"unknown command {name!r}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.conv", description="The convolution labs.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_command(sub)
    for name in RECORDS:
        p = sub.add_parser(name, help=HELP[name])
        add_common_args(p)
        p.add_argument("--quick", action="store_true", help="a smaller protocol (seconds), for trying the command")
        p.add_argument("--save", action="store_true", help=f"write demos/conv/results/{name}.json for the panel")
    args = parser.parse_args(argv)
    try:
        apply_threads(args.threads)
        if args.command == "eval":
            out = run_eval("conv", args, argv)
        else:
            out = make_record(args.command, args)
            if args.save:
                from demos.conv.records import save

                save(args.command, out)
    except (LabError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(_summary(out) if args.command != "eval" else out, indent=2))
    if args.command == "eval":
        return 0 if out["summary"]["holding"] == out["summary"]["claims"] else 1
    return 0


def _summary(record: dict[str, Any], limit: int = 2000) -> dict[str, Any]:
    """A record as printed: long lists (images, Jacobians, curves) shortened so the terminal stays readable."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        text = json.dumps(value)
        out[key] = value if len(text) <= limit else f"<{len(text):,} characters; --save writes them in full>"
    return out


if __name__ == "__main__":
    sys.exit(main())
