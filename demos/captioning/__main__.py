"""Command line for the captioning demo.

``python -m demos.captioning train`` trains the shipped model (seeded) and writes the checkpoint plus a JSON
record of the command, seed, seconds, hardware and test metrics next to it.
``python -m demos.captioning eval --json`` prints the test metrics of a checkpoint as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

import torch

from demos.captioning.evaluate import EvalConfig, evaluate
from demos.captioning.model import Captioner
from demos.captioning.train import CHECKPOINT, SMALL_MODEL, Progress, TrainConfig, load, save, train
from demos.common import describe


def record_path(checkpoint: Path) -> Path:
    return checkpoint.with_suffix(".json")


def make_record(
    model: Captioner,
    config: TrainConfig,
    history: list[Progress],
    seconds: float,
    checkpoint: Path,
    device: torch.device,
    command: str,
    hardware_text: str,
) -> dict[str, object]:
    """The JSON saved next to a checkpoint: how it was made and its test metrics (evaluated on ``device``)."""
    metrics = evaluate(model, device, replace(EvalConfig(), max_objects=config.max_objects))
    return {
        "command": command,
        "seed": config.seed,
        "train_seconds": round(seconds, 1),
        "hardware": hardware_text,
        "torch": torch.__version__,
        "checkpoint_bytes": checkpoint.stat().st_size,
        "final_loss": round(sum(p.ce for p in history[-50:]) / len(history[-50:]), 4),
        "config": asdict(config),
        "metrics": metrics,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.captioning", description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train from scratch, save the checkpoint and its JSON record, print it")
    t.add_argument("--seed", type=int, default=TrainConfig.seed)
    t.add_argument("--steps", type=int, default=TrainConfig.steps)
    t.add_argument("--scenes", type=int, default=TrainConfig.train_scenes, help="training scenes")
    t.add_argument("--max-objects", type=int, default=TrainConfig.max_objects)
    t.add_argument("--doubly-stochastic", type=float, default=TrainConfig.doubly_stochastic, help="lambda")
    t.add_argument(
        "--attention-entropy",
        type=float,
        default=TrainConfig.attention_entropy,
        help="weight of the attention entropy in the loss (pushes each word to look at few cells)",
    )
    t.add_argument(
        "--mid-kernel",
        type=int,
        choices=[1, 3],
        default=SMALL_MODEL.mid_kernel,
        help="kernel at 1/4 resolution: 1 narrows each grid cell's view from ~20 px to ~12 px",
    )
    t.add_argument(
        "--head-kernel", type=int, choices=[1, 3], default=SMALL_MODEL.head_kernel, help="3 = wide cell view (ablation)"
    )
    t.add_argument(
        "--init",
        choices=["image", "zeros"],
        default="image" if SMALL_MODEL.init_from_image else "zeros",
        help="decoder start state: from the mean grid feature, or zeros (image only through attention)",
    )
    t.add_argument(
        "--attend",
        choices=["before-word", "after-word"],
        default="after-word" if SMALL_MODEL.look_after_word else "before-word",
        help="query attention with the state before or after reading the previous word",
    )
    t.add_argument(
        "--feedback",
        choices=["context", "where"],
        default=SMALL_MODEL.feedback,
        help="what the LSTM reads of its attention: the attended features, or only the attended position",
    )
    t.add_argument("--out", type=Path, default=CHECKPOINT)
    t.add_argument("--note", default="", help="added to the hardware field, e.g. 'shared with other jobs'")
    e = sub.add_parser("eval", help="test metrics of a checkpoint as one JSON object")
    e.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    e.add_argument("--beam", type=int, default=1, help="beam width (1 = greedy)")
    e.add_argument("--test-scenes", type=int, default=EvalConfig.test_scenes)
    e.add_argument("--per-count", type=int, default=EvalConfig.per_count)
    e.add_argument("--json", action="store_true", help="print JSON (the default output too)")
    args = parser.parse_args(argv)

    if args.threads < 0:
        parser.error("--threads must be 0 (default) or more")
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available here; use --device cpu")
    device = torch.device("cuda" if args.device != "cpu" and torch.cuda.is_available() else "cpu")

    if args.command == "train":
        if args.steps < 1 or args.scenes < 64 or not 1 <= args.max_objects <= 6 or args.doubly_stochastic < 0:
            parser.error("need --steps >= 1, --scenes >= 64, 1 <= --max-objects <= 6, --doubly-stochastic >= 0")
        config = TrainConfig(
            seed=args.seed,
            steps=args.steps,
            train_scenes=args.scenes,
            max_objects=args.max_objects,
            doubly_stochastic=args.doubly_stochastic,
            attention_entropy=args.attention_entropy,
            model=replace(
                SMALL_MODEL,
                head_kernel=args.head_kernel,
                mid_kernel=args.mid_kernel,
                init_from_image=args.init == "image",
                look_after_word=args.attend == "after-word",
                feedback=args.feedback,
            ),
        )
        started = time.perf_counter()
        model, history = train(config, device)
        seconds = time.perf_counter() - started
        save(model, args.out)
        command = "python -m demos.captioning " + " ".join(sys.argv[1:] if argv is None else argv)
        note = f", {args.note}" if args.note else ""
        record = make_record(
            model, config, history, seconds, args.out, device, command, describe(device, threads=True) + note
        )
        record_path(args.out).write_text(json.dumps(record, indent=2) + "\n")
        print(json.dumps(record, indent=2))
        return 0

    if args.beam < 1 or args.test_scenes < 1 or args.per_count < 1:
        parser.error("--beam, --test-scenes and --per-count must be at least 1")
    try:
        model = load(args.checkpoint, device)
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    trained_max = EvalConfig.max_objects
    if record_path(args.checkpoint).exists():
        trained_max = json.loads(record_path(args.checkpoint).read_text())["config"]["max_objects"]
    config = EvalConfig(test_scenes=args.test_scenes, per_count=args.per_count, beam=args.beam, max_objects=trained_max)
    started = time.perf_counter()
    metrics = evaluate(model, device, config)
    out = {"checkpoint": str(args.checkpoint), "hardware": describe(device, threads=True), **metrics}
    out["eval_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
