"""One seeded run of a strategy, and the sweep over labels per class.

A run trains on ``labels_per_class`` labelled images per class from the dataset's fixed training pool and
reports accuracy on the fixed test split (:mod:`demos.transfer.data`). The frozen part of a pretrained model
runs once per image through :class:`~demos.transfer.cache.FeatureStore`; with augmentation on, that part sees
``views`` fixed augmented copies of each training image (cached too) and each epoch picks one at random,
while models trained end to end (``scratch``, ``full``, ``tiny-cnn``) get fresh augmentation every batch.

:func:`steps` is a run as a generator, one optimiser step per ``next`` (the lab's live runs advance it a slice at a
time); :func:`run` drains it. Every random draw comes from the run's seed through generators of its own
(:func:`build_seeded`), never from torch's global generator while training.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from demos.common import LabError, generator, seeded, sync
from demos.transfer.cache import FeatureStore, default_cache_dir, default_store
from demos.transfer.data import (
    DATASETS,
    Split,
    apply_augment,
    augment_for,
    backbone_input,
    check_dataset,
    draw_params,
    labelled_indices,
    load_split,
    small_input,
    to_unit,
    view_params,
)
from demos.transfer.models import (
    STRATEGIES,
    TinyCNN,
    TransferNet,
    build_model,
    check_strategy,
    count_params,
    param_groups,
    set_training,
    stem_length,
)
from demos.transfer.project import pca_2d
from demos.transfer.weights import WEIGHTS_SHA256

LABEL_CHOICES: tuple[int | None, ...] = (1, 5, 10, 50, None)  # None: every image of the pool ("all")
CACHED: frozenset[str] = frozenset({"frozen", "last-block"})  # strategies whose stem output is cached
CURVE_TEST = 250  # test images scored at each learning-curve point (the final accuracy uses all of them)
AUTO_STEPS = 150  # auto epochs: about this many optimiser steps ...
AUTO_EPOCHS = (3, 60)  # ... within these bounds


@dataclass(frozen=True)
class RunConfig:
    dataset: str = "mnist"  # "mnist" or "fashion"
    labels_per_class: int | None = 10  # labelled training images per class; None = the whole pool (400)
    strategy: str = "frozen"  # one of models.STRATEGIES
    seed: int = 0  # picks the labelled images, the new weights, batch order and augmentation
    epochs: int | None = None  # None: auto_epochs() for this many images
    augment: bool = False  # random crop/scale, brightness/contrast jitter, and flip where labels allow it
    image_size: int = 64  # side the 28x28 images are upscaled to for MobileNetV2 (the tiny CNN keeps 28)
    batch_size: int = 32  # images per optimiser step
    lr: float = 1e-3  # AdamW learning rate of the head (and of every layer when training from scratch)
    backbone_lr_factor: float = 0.1  # pretrained layers being fine-tuned learn this many times slower
    weight_decay: float = 1e-4  # AdamW weight decay
    views: int = 4  # augmented copies per training image cached for frozen / last-block when augment is on
    test_limit: int | None = None  # score only the first n test images (quick checks); None = all 1,000
    eval_points: int = 6  # learning-curve test points (frozen: every epoch); 0: no curve, only the final score

    def __post_init__(self) -> None:
        problems = []
        if self.dataset not in DATASETS:
            problems.append(f"dataset {self.dataset!r} is not one of {', '.join(DATASETS)}")
        if self.strategy not in STRATEGIES:
            problems.append(f"strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}")
        if self.labels_per_class is not None and not 1 <= self.labels_per_class <= 400:
            problems.append(f"labels_per_class must be 1..400 or None (all), got {self.labels_per_class}")
        if self.epochs is not None and not 1 <= self.epochs <= 500:
            problems.append(f"epochs must be 1..500, got {self.epochs}")
        if not 32 <= self.image_size <= 224:
            problems.append(f"image_size must be 32..224 pixels, got {self.image_size}")
        if self.batch_size < 1 or self.views < 1 or self.eval_points < 0:
            problems.append("batch_size and views must be at least 1, eval_points at least 0")
        if self.lr <= 0 or self.backbone_lr_factor <= 0 or self.weight_decay < 0:
            problems.append("lr and backbone_lr_factor must be positive, weight_decay not negative")
        if self.test_limit is not None and self.test_limit < 10:
            problems.append(f"test_limit must be at least 10, got {self.test_limit}")
        if problems:
            raise LabError("; ".join(problems))


@dataclass(frozen=True)
class CurvePoint:
    epoch: int
    train_loss: float  # mean cross-entropy over the epoch's batches
    test_accuracy: float | None  # on the first CURVE_TEST test images; None where not measured


@dataclass(frozen=True)
class Progress:
    """Where a run is: :func:`steps` yields one after feature extraction (epoch 0, step 0) and after every
    optimiser step; ``point`` is set on the last step of an epoch. :func:`run` passes the epoch ones on."""

    strategy: str
    epoch: int
    epochs: int
    point: CurvePoint | None
    step: int = 0  # optimiser steps done
    total_steps: int = 0  # optimiser steps in the whole run


@dataclass(frozen=True)
class Projection:
    before: torch.Tensor  # (N, 2) PCA of the pooled features before training
    after: torch.Tensor  # (N, 2) the same images after training
    variance: tuple[tuple[float, float], tuple[float, float]]  # share of variance on each axis, before / after
    labels: torch.Tensor  # (N,) true classes
    test_index: torch.Tensor  # (N,) positions in the test split


@dataclass
class RunResult:
    config: RunConfig
    accuracy: float  # on the test split (all 1,000 images unless test_limit)
    seconds: float  # the whole run: data, model, features, training, scoring
    extract_seconds: float  # frozen-stem features (training + test images), including cache look-ups
    train_seconds: float
    device: str  # the device type it ran on, 'cpu' or 'cuda', as in the other labs' JSON
    n_train: int
    n_test: int
    epochs: int
    trainable_params: int
    total_params: int
    features_computed: int  # stem rows computed in this run (the rest came from the cache)
    curve: list[CurvePoint]
    predictions: torch.Tensor  # (T,) predicted class of each test image
    test_labels: torch.Tensor  # (T,)
    head: dict[str, torch.Tensor] = field(repr=False)  # the trained linear head's state_dict (CPU)
    model: nn.Module = field(repr=False)  # the trained model, on the run's device
    projection: Projection | None = None

    def summary(self) -> dict[str, object]:
        """The JSON the CLI prints."""
        return {
            **asdict(self.config),
            "accuracy": round(self.accuracy, 4),
            "seconds": round(self.seconds, 2),
            "extract_seconds": round(self.extract_seconds, 2),
            "train_seconds": round(self.train_seconds, 2),
            "device": self.device,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "epochs": self.epochs,
            "trainable_params": self.trainable_params,
            "total_params": self.total_params,
            "features_computed": self.features_computed,
            "curve": [asdict(p) for p in self.curve],
        }

    def record(self) -> dict[str, object]:
        """:meth:`summary` plus what a page draws, as plain lists: each scored test image's prediction and
        label, and (when asked for) the PCA projection before and after training."""
        out = self.summary()
        out["predictions"] = self.predictions.tolist()
        out["labels"] = self.test_labels.tolist()
        if self.projection is not None:
            out["projection"] = {
                "before": self.projection.before.tolist(),
                "after": self.projection.after.tolist(),
                "variance": [list(v) for v in self.projection.variance],
                "labels": self.projection.labels.tolist(),
            }
        return out


def auto_epochs(n_train: int, batch_size: int) -> int:
    """Epochs giving about AUTO_STEPS optimiser steps, clamped to AUTO_EPOCHS (few images: many epochs)."""
    steps_per_epoch = math.ceil(n_train / batch_size)
    lo, hi = AUTO_EPOCHS
    return max(lo, min(hi, math.ceil(AUTO_STEPS / steps_per_epoch)))


@lru_cache(maxsize=4)
def cached_split(dataset: str) -> Split:
    return load_split(dataset, cache_dir=default_cache_dir())


def _curve_epochs(epochs: int, points: int) -> set[int]:
    return {max(1, round(epochs * (i + 1) / points)) for i in range(points)} | {epochs}


class _Inputs:
    """Turns uint8 images into a model's input, optionally augmented, on ``device``."""

    def __init__(self, strategy: str, image_size: int, device: torch.device) -> None:
        self.small = strategy == "tiny-cnn"
        self.image_size = image_size
        self.device = device

    def __call__(self, images: torch.Tensor, params: torch.Tensor | None = None) -> torch.Tensor:
        x = to_unit(images).to(self.device)  # (B, 1, 28, 28)
        if params is not None:
            x = apply_augment(x, params)
        return small_input(x) if self.small else backbone_input(x, self.image_size)


@torch.no_grad()
def _batched(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, batch: int = 200) -> torch.Tensor:
    return torch.cat([fn(x[i : i + batch]).cpu() for i in range(0, x.shape[0], batch)]) if len(x) else x


class _Clock:
    """Seconds a generator spent running, leaving out the pauses between its yields."""

    def __init__(self) -> None:
        self.spent, self.since = 0.0, time.perf_counter()

    def pause(self) -> None:
        self.spent += time.perf_counter() - self.since

    def resume(self) -> None:
        self.since = time.perf_counter()

    def seconds(self) -> float:
        return self.spent + time.perf_counter() - self.since


def build_seeded(strategy: str, num_classes: int, seed: int, device: torch.device) -> tuple[nn.Module, torch.Generator]:
    """The strategy's model on ``device``, its random parts drawn from ``seed``, and the generator its dropout
    masks come from (the tiny CNN's; MobileNetV2's features have no dropout).

    The model is built under :func:`demos.common.seeded`, so no other session's draws interleave and torch's
    global generator is left as it was. On the CPU the dropout generator continues the seeded stream where
    initialisation left it: the same numbers a script that called ``torch.manual_seed(seed)`` once would get."""
    with seeded(seed):
        model = build_model(strategy, num_classes=num_classes)
        state = torch.random.get_rng_state()
    if device.type == "cpu":
        noise = torch.Generator()
        noise.set_state(state)
    else:
        noise = generator(seed, device)
    return model.to(device), noise


@dataclass(frozen=True)
class _Stem:
    """The frozen stem's outputs for one run: training images (each of ``V`` views) and test images."""

    model: TransferNet
    train: torch.Tensor  # (V, n, ...) on the run's device; view 0 is the plain image
    test: torch.Tensor  # (T, ...) on the run's device
    computed: int  # rows this run had to compute (the rest came from the cache)


def _extract(
    model: TransferNet,
    config: RunConfig,
    split: Split,
    train_idx: torch.Tensor,
    n_test: int,
    inputs: _Inputs,
    store: FeatureStore,
) -> _Stem:
    """Stem outputs of the labelled training images (plus ``config.views`` augmented views when augmenting)
    and of the first ``n_test`` test images, through ``store``: only rows no earlier run computed are run."""
    key = f"{config.dataset}-{config.image_size}px-stem{stem_length(config.strategy)}-{WEIGHTS_SHA256[:12]}"
    aug = augment_for(config.dataset)
    model.stem.eval()
    computed = 0

    def rows(images: torch.Tensor, params: torch.Tensor | None) -> torch.Tensor:
        nonlocal computed
        computed += len(images)
        return _batched(model.stem_features, inputs(images, params))

    def pool_view(view: int) -> torch.Tensor:
        def compute(idx: torch.Tensor) -> torch.Tensor:
            return rows(split.pool_images[idx], view_params(idx, view, aug) if view else None)

        return store.get(f"{key}-pool-v{view}", len(split.pool_labels), train_idx, compute)

    n_views = 1 + (config.views if config.augment else 0)
    train = torch.stack([pool_view(v) for v in range(n_views)])  # (V, n, ...)
    test = store.get(
        f"{key}-test", len(split.test_labels), torch.arange(n_test), lambda idx: rows(split.test_images[idx], None)
    )  # (T, ...)
    return _Stem(model, train.to(inputs.device), test.to(inputs.device), computed)


@torch.no_grad()
def _embed(model: nn.Module, stem: _Stem | None, inputs: _Inputs, images: torch.Tensor, limit: int) -> torch.Tensor:
    """Pooled features (limit, D) of the first ``limit`` test images."""
    model.eval()
    if stem is not None:
        return _batched(stem.model.embed_from_stem, stem.test[:limit])
    embed: Callable[[torch.Tensor], torch.Tensor] = model.embed  # type: ignore[assignment]
    return _batched(lambda b: embed(inputs(b)), images[:limit])


@torch.no_grad()
def _predict(model: nn.Module, stem: _Stem | None, inputs: _Inputs, images: torch.Tensor, limit: int) -> torch.Tensor:
    """Predicted classes (limit,) of the first ``limit`` test images."""
    model.eval()
    if stem is not None:
        return _batched(lambda h: stem.model.forward_from_stem(h).argmax(1), stem.test[:limit])
    return _batched(lambda b: model(inputs(b)).argmax(1), images[:limit])


def run(
    config: RunConfig,
    device: torch.device,
    *,
    store: FeatureStore | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    projection_size: int = 0,
    split: Split | None = None,
) -> RunResult:
    """Train ``config.strategy`` and score it on the test split: :func:`steps` run to the end, with
    ``on_progress`` called after feature extraction and after every epoch."""
    run_steps = steps(config, device, store=store, projection_size=projection_size, split=split)
    while True:
        try:
            progress = next(run_steps)
        except StopIteration as finished:
            result: RunResult = finished.value
            return result
        if on_progress and (progress.point is not None or progress.step == 0):
            on_progress(progress)


def steps(
    config: RunConfig,
    device: torch.device,
    *,
    store: FeatureStore | None = None,
    projection_size: int = 0,
    split: Split | None = None,
) -> Generator[Progress, None, RunResult]:
    """One run as a generator: it yields a :class:`Progress` after feature extraction and after every optimiser
    step, and returns the :class:`RunResult` (``StopIteration.value``). Whoever drives it may pause between
    steps (a page draws, or lets another learner's run go first) or drop it (Stop): nothing runs in between.

    ``projection_size`` > 0 also returns a 2-D PCA of the pooled features of that many test images before and
    after training. ``split`` overrides the dataset's real split (tests pass tiny ones). Seeded and private:
    every random draw (labelled images, initial weights, batch order, augmentation, dropout) comes from
    ``config.seed`` through generators of this run, so the result does not depend on what other sessions do
    meanwhile, nor on how long the driver pauses."""
    clock = _Clock()
    store = default_store() if store is None else store
    split = cached_split(config.dataset) if split is None else split
    strategy = config.strategy
    train_idx = labelled_indices(split.pool_labels, config.labels_per_class, config.seed)  # (n,)
    n_test = len(split.test_labels) if config.test_limit is None else min(config.test_limit, len(split.test_labels))
    test_images, test_labels = split.test_images[:n_test], split.test_labels[:n_test]
    train_labels = split.pool_labels[train_idx].to(device)  # (n,)
    epochs = config.epochs or auto_epochs(len(train_idx), config.batch_size)
    aug = augment_for(config.dataset)

    g = torch.Generator().manual_seed(config.seed)  # labelled order, cached views, augmentation parameters
    model, noise = build_seeded(strategy, len(split.class_names), config.seed, device)
    inputs = _Inputs(strategy, config.image_size, device)
    proj_n = min(projection_size, n_test)

    t0 = time.perf_counter()
    stem = None
    if strategy in CACHED:
        assert isinstance(model, TransferNet)
        stem = _extract(model, config, split, train_idx, n_test, inputs, store)
    sync(device)
    extract_seconds = time.perf_counter() - t0 if stem is not None else 0.0

    before = _embed(model, stem, inputs, test_images, proj_n) if proj_n else None
    n = len(train_idx)
    per_epoch = math.ceil(n / config.batch_size)
    total, done = epochs * per_epoch, 0
    clock.pause()
    yield Progress(strategy, 0, epochs, None, 0, total)
    clock.resume()

    optimiser = torch.optim.AdamW(
        param_groups(model, strategy, config.lr, config.backbone_lr_factor), weight_decay=config.weight_decay
    )
    if config.eval_points == 0:
        curve_at: set[int] = set()
    elif strategy == "frozen":
        curve_at = set(range(1, epochs + 1))
    else:
        curve_at = _curve_epochs(epochs, config.eval_points)
    curve_n = min(CURVE_TEST, n_test)
    curve: list[CurvePoint] = []
    train_start = clock.seconds()
    for epoch in range(1, epochs + 1):
        set_training(model, strategy)
        order = torch.randperm(n, generator=g)
        views = torch.randint(0, stem.train.shape[0], (n,), generator=g) if stem is not None else None
        params = draw_params(n, aug, g) if config.augment and stem is None else None
        losses = []
        for start in range(0, n, config.batch_size):
            b = order[start : start + config.batch_size]
            if stem is not None and views is not None:
                logits = stem.model.forward_from_stem(stem.train[views[b].to(device), b.to(device)])
            else:
                x = inputs(split.pool_images[train_idx[b]], None if params is None else params[b])
                logits = model(x, generator=noise)
            loss = F.cross_entropy(logits, train_labels[b.to(device)])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
            done += 1
            if done % per_epoch:
                clock.pause()
                yield Progress(strategy, epoch, epochs, None, done, total)
                clock.resume()
        acc = None
        if epoch in curve_at:
            acc = (_predict(model, stem, inputs, test_images, curve_n) == test_labels[:curve_n]).float().mean().item()
        point = CurvePoint(epoch, statistics.fmean(losses), acc)
        curve.append(point)
        clock.pause()
        yield Progress(strategy, epoch, epochs, point, done, total)
        clock.resume()
    sync(device)
    train_seconds = clock.seconds() - train_start

    predictions = _predict(model, stem, inputs, test_images, n_test)
    accuracy = (predictions == test_labels).float().mean().item()
    projection = None
    if proj_n and before is not None:
        after = _embed(model, stem, inputs, test_images, proj_n)
        (pb, vb), (pa, va) = pca_2d(before), pca_2d(after)
        projection = Projection(
            pb, pa, (tuple(vb.tolist()), tuple(va.tolist())), test_labels[:proj_n].clone(), torch.arange(proj_n)
        )
    trainable, total = count_params(model)
    head = model.head if isinstance(model, TransferNet | TinyCNN) else nn.Identity()
    return RunResult(
        config=config,
        accuracy=accuracy,
        seconds=clock.seconds(),
        extract_seconds=extract_seconds,
        train_seconds=train_seconds,
        device=device.type,
        n_train=n,
        n_test=n_test,
        epochs=epochs,
        trainable_params=trainable,
        total_params=total,
        features_computed=stem.computed if stem is not None else 0,
        curve=curve,
        predictions=predictions,
        test_labels=test_labels.clone(),
        head={k: v.detach().cpu().clone() for k, v in head.state_dict().items()},
        model=model,
        projection=projection,
    )


@dataclass(frozen=True)
class SweepConfig:
    datasets: tuple[str, ...] = DATASETS  # every dataset available here
    labels: tuple[int | None, ...] = LABEL_CHOICES  # labels per class on the curve's x axis
    strategies: tuple[str, ...] = STRATEGIES  # every strategy, the tiny CNN baseline included
    seeds: tuple[int, ...] = (0, 1)  # a few seeds: the spread shows how much one draw of labels matters
    epochs: int | None = None  # None: auto_epochs for each label count
    augment: bool = False  # augmentation off: the curve shows what pretraining alone buys
    image_size: int = 64  # as RunConfig
    test_limit: int | None = None  # None: all 1,000 test images

    def __post_init__(self) -> None:
        for d in self.datasets:
            check_dataset(d)
        for s in self.strategies:
            check_strategy(s)
        if not self.seeds or not self.labels:
            raise LabError("a sweep needs at least one seed and one label count")


def sweep(
    config: SweepConfig,
    device: torch.device,
    *,
    store: FeatureStore | None = None,
    on_result: Callable[[dict[str, object]], None] | None = None,
    splits: dict[str, Split] | None = None,
) -> dict[str, Any]:
    """Every (dataset, labels, strategy, seed) run; returns the rows and their per-seed mean and spread.
    Pretrained strategies run first for each label count, so their features are cached once for all seeds."""
    rows: list[dict[str, object]] = []
    for dataset in config.datasets:
        for labels in config.labels:
            for strategy in config.strategies:
                for seed in config.seeds:
                    rc = RunConfig(
                        dataset=dataset,
                        labels_per_class=labels,
                        strategy=strategy,
                        seed=seed,
                        epochs=config.epochs,
                        augment=config.augment,
                        image_size=config.image_size,
                        test_limit=config.test_limit,
                        eval_points=0,  # the sweep keeps final accuracies only
                    )
                    split = splits.get(dataset) if splits else None
                    result = run(rc, device, store=store, split=split)
                    row: dict[str, object] = {
                        "dataset": dataset,
                        "labels_per_class": labels if labels is not None else "all",
                        "strategy": strategy,
                        "seed": seed,
                        "augment": config.augment,
                        "accuracy": round(result.accuracy, 4),
                        "seconds": round(result.seconds, 2),
                        "epochs": result.epochs,
                        "n_train": result.n_train,
                    }
                    rows.append(row)
                    if on_result:
                        on_result(row)
    return {"rows": rows, "summary": summarise(rows)}


def summarise(rows: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """Mean, min and max accuracy over seeds for each (dataset, labels, strategy, augment)."""
    groups: dict[tuple[object, object, object, bool], list[float]] = {}
    for r in rows:
        key = (r["dataset"], r["labels_per_class"], r["strategy"], bool(r.get("augment", False)))
        groups.setdefault(key, []).append(float(r["accuracy"]))  # type: ignore[arg-type]
    return [
        {
            "dataset": d,
            "labels_per_class": lpc,
            "strategy": s,
            "augment": aug,
            "mean": round(statistics.fmean(a), 4),
            "min": round(min(a), 4),
            "max": round(max(a), 4),
            "seeds": len(a),
        }
        for (d, lpc, s, aug), a in groups.items()
    ]
