"""Command line for the NMS demo.

``python -m demos.nms train``        trains the shapes detector (seeded) and writes the shipped checkpoint
``python -m demos.nms eval --json``  AP@0.5 of that detector under each NMS method on held-out crowded scenes
``python -m demos.nms bench --json`` own nms vs torchvision.ops.nms at 100, 1,000 and 10,000 boxes
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
import torchvision

from demos.hardware import describe
from demos.nms.ops import nms

EVAL_SEED = 20_000  # held-out scenes: far from the training seeds (1,000 + seed)
RESULTS = Path(__file__).resolve().parent / "results"


def random_boxes(n: int, device: torch.device, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 1000  # (N, 2)
    wh = torch.rand(n, 2, generator=g) * 150 + 1  # (N, 2)
    return torch.cat([xy, xy + wh], dim=1).to(device), torch.rand(n, generator=g).to(device)


def median_ms(fn: Callable[[], object], device: torch.device, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench(
    sizes: Sequence[int], repeat: int, threshold: float = 0.5, devices: Sequence[torch.device] | None = None
) -> dict[str, object]:
    if devices is None:
        devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    results = {}
    for device in devices:
        rows = []
        for n in sizes:
            boxes, scores = random_boxes(n, device)
            same = torch.equal(nms(boxes, scores, threshold).cpu(), torchvision.ops.nms(boxes, scores, threshold).cpu())
            own = median_ms(lambda b=boxes, s=scores: nms(b, s, threshold), device, repeat)
            ref = median_ms(lambda b=boxes, s=scores: torchvision.ops.nms(b, s, threshold), device, repeat)
            rows.append(
                {
                    "boxes": n,
                    "own_ms": round(own, 3),
                    "torchvision_ms": round(ref, 3),
                    "ratio": round(own / ref, 2),
                    "same_result": same,
                }
            )
        results[device.type] = rows
    cpu = describe(torch.device("cpu"), threads=True)
    name = f"{cpu} and {describe(torch.device('cuda'))}" if torch.cuda.is_available() else cpu
    return {"iou_threshold": threshold, "repeat": repeat, "device_name": name, "results": results}


def evaluate(
    scenes: int, seed: int, device: torch.device, thresholds: Sequence[float] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
) -> dict[str, object]:
    """AP@0.5 of the shipped detector under each method, and AP as the NMS IoU threshold moves."""
    from demos.nms.detector import CHECKPOINT, CROWDED, load, raw_detections
    from demos.nms.evaluate import METHODS, apply_method, mean_ap
    from demos.scenes import SHAPES, make_dataset

    model = load(CHECKPOINT, device)
    data = make_dataset(scenes, seed, CROWDED)
    gts = [(s.boxes[s.visible > 0], s.labels[s.visible > 0]) for s in data]
    raws = []
    for start in range(0, len(data), 64):
        images = torch.stack([s.image for s in data[start : start + 64]]).to(device)
        raws += [(r.boxes.cpu(), r.scores.cpu(), r.labels.cpu()) for r in raw_detections(model, images)]

    def score(method: str, thr: float) -> float:
        kept = [apply_method(b, s, lab, method, iou_threshold=thr).kept for b, s, lab in raws]  # type: ignore[arg-type]
        return round(mean_ap(kept, gts, len(SHAPES))[0], 4)

    defaults = {"greedy": 0.5, "batched": 0.5, "soft-linear": 0.3, "soft-gaussian": 0.3, "none": 0.5}
    t0 = time.perf_counter()
    per_method = {m: {"ap50": score(m, defaults[m]), "iou_threshold": defaults[m]} for m in METHODS}
    sweep = {m: {str(t): score(m, t) for t in thresholds} for m in ("greedy", "batched", "soft-linear")}
    objects = [len(g[0]) for g in gts]
    return {
        "scenes": scenes,
        "scene_seed": seed,
        "objects_per_scene": round(sum(objects) / len(objects), 2),
        "raw_boxes_per_scene": int(raws[0][0].shape[0]),
        "score_threshold": 0.05,
        "soft_nms_sigma": 0.5,
        "ap50": per_method,
        "ap50_vs_iou_threshold": sweep,
        "eval_seconds": round(time.perf_counter() - t0, 1),
        "device": str(device),
        "hardware": describe(device),
        "command": f"python -m demos.nms eval --scenes {scenes} --seed {seed} --json",
    }


def train_command(seed: int, epochs: int | None, scenes: int | None, device: torch.device) -> dict[str, object]:
    from dataclasses import asdict, replace

    from demos.nms.detector import CHECKPOINT, TrainConfig, save, train

    config = TrainConfig(seed=seed)
    if epochs is not None:
        config = replace(config, epochs=epochs)
    if scenes is not None:
        config = replace(config, train_scenes=scenes)
    result = train(
        config, device=device, on_epoch=lambda e, loss: print(f"epoch {e + 1}: loss {loss:.4f}", file=sys.stderr)
    )
    meta = {
        "command": "python -m demos.nms train"
        + (f" --seed {seed}" if seed else "")
        + (f" --device {device.type}" if device.type != "cpu" else ""),
        "train_config": asdict(config),
        "epoch_losses": [round(v, 4) for v in result.losses],
        "seconds": round(result.seconds, 1),
        "device": str(device),
        "hardware": describe(device),
        "torch": str(torch.__version__),
    }
    save(result.model, CHECKPOINT, meta)
    CHECKPOINT.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.nms", description="Non-max suppression demo tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the shapes detector (seeded) and write the shipped checkpoint")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--epochs", type=int, help="override the default number of epochs")
    t.add_argument("--scenes", type=int, help="override the number of training scenes")
    t.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="cpu",
        help="cpu by default; the shipped checkpoint was made with --device cuda (see its .json)",
    )
    e = sub.add_parser("eval", help="AP@0.5 of the detector under each NMS method on held-out crowded scenes")
    e.add_argument("--scenes", type=int, default=200)
    e.add_argument("--seed", type=int, default=EVAL_SEED)
    e.add_argument("--json", action="store_true", help="print JSON (the default output too)")
    e.add_argument("--save", action="store_true", help="also write demos/nms/results/eval.json for the page")
    b = sub.add_parser("bench", help="own nms vs torchvision.ops.nms at several box counts, CPU and CUDA")
    b.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    b.add_argument("--repeat", type=int, default=7)
    b.add_argument("--json", action="store_true", help="print JSON (the default output too)")
    b.add_argument("--save", action="store_true", help="also write demos/nms/results/bench.json for the page")
    args = parser.parse_args(argv)
    if args.command in ("train", "eval"):
        want = getattr(args, "device", "auto")
        if want == "cuda" and not torch.cuda.is_available():
            print("--device cuda asked for, but CUDA is not available here", file=sys.stderr)
            return 2
        use_cuda = want == "cuda" or (want == "auto" and torch.cuda.is_available())
        device = torch.device("cuda" if use_cuda else "cpu")
        if args.command == "train":
            if (args.epochs is not None and not 1 <= args.epochs <= 200) or (
                args.scenes is not None and not 16 <= args.scenes <= 50_000
            ):
                print("--epochs must be in 1..200 and --scenes in 16..50000", file=sys.stderr)
                return 2
            print(json.dumps(train_command(args.seed, args.epochs, args.scenes, device), indent=2))
            return 0
        if not 1 <= args.scenes <= 5000:
            print("--scenes must be in 1..5000", file=sys.stderr)
            return 2
        try:
            report = evaluate(args.scenes, args.seed, device)
        except (FileNotFoundError, ValueError) as exc:
            print(str(exc), file=sys.stderr)
            return 1
        if args.save:
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / "eval.json").write_text(json.dumps(report, indent=2) + "\n")
        print(json.dumps(report, indent=2))
        return 0
    if any(n < 1 or n > 50_000 for n in args.sizes) or args.repeat < 1:
        print("--sizes must be between 1 and 50000 and --repeat at least 1", file=sys.stderr)
        return 2
    report = bench(args.sizes, args.repeat)
    report["command"] = "python -m demos.nms bench --json"
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
