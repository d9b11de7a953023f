"""Test-split evaluation: BLEU-1..4, attention localisation, object recall, and where the model fails."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

import torch

from demos.captioning.captions import CaptionError, captions, describe, parse, relation_holds
from demos.captioning.data import make_split, scene_config
from demos.captioning.metrics import attention_looks, cell_box, corpus_bleu, object_score, overlaps
from demos.captioning.model import Captioner, Decoded, beam_search, greedy
from demos.common import median_ms
from demos.scenes import Rendered


@dataclass(frozen=True)
class EvalConfig:
    test_scenes: int = 1000  # test-split scenes 0 .. n-1, drawn like the training scenes
    min_objects: int = 1  # objects per headline test scene: the training range
    max_objects: int = 4
    counts: tuple[int, ...] = (1, 2, 3, 4, 5, 6)  # failure analysis: scenes with exactly this many objects
    per_count: int = 150  # scenes per count in the failure analysis
    beam: int = 1  # 1 = greedy decoding, more = beam search of that width
    batch: int = 200  # images per greedy batch
    timing_images: int = 20  # images captioned one at a time for the latency figure


# Failure-analysis scenes come from a part of the test split that the headline scenes never reach.
COUNT_START = 100_000


def caption_all(
    model: Captioner, rendered: list[Rendered], device: torch.device, beam: int, batch: int
) -> list[Decoded]:
    if beam <= 1:
        out: list[Decoded] = []
        for i in range(0, len(rendered), batch):
            images = torch.stack([r.image for r in rendered[i : i + batch]]).to(device)  # (B, 3, S, S)
            out.extend(greedy(model, images))
        return out
    return [beam_search(model, r.image.to(device), width=beam) for r in rendered]


def random_peak_hit_rate(decoded: list[Decoded], rendered: list[Rendered]) -> float:
    """Chance level of attention localisation: how often a peak in a uniformly random cell would overlap the
    named object's box, averaged over the same shape words the model's score counts."""
    rates = []
    for d, r in zip(decoded, rendered, strict=True):
        grid, size = math.isqrt(d.alphas.shape[1]), r.image.shape[-1]
        cells = [cell_box(c, grid, size) for c in range(grid * grid)]
        for look in attention_looks(d.words, d.alphas, r):
            boxes = [r.boxes[k] for k, o in enumerate(r.scene.objects) if describe(o) == look.named]
            rates.append(sum(any(overlaps(c, b) for b in boxes) for c in cells) / len(cells))
    return statistics.fmean(rates) if rates else 0.0


def score(decoded: list[Decoded], rendered: list[Rendered]) -> dict[str, float | int]:
    """All caption metrics of one set of generated captions against their scenes."""
    refs = [captions(r.scene) for r in rendered]
    bleu = corpus_bleu([d.words for d in decoded], refs)
    looks = [look for d, r in zip(decoded, rendered, strict=True) for look in attention_looks(d.words, d.alphas, r)]
    objects = [object_score(d.words, r) for d, r in zip(decoded, rendered, strict=True)]
    parsed, relations_total, relations_true = 0, 0, 0
    for d, r in zip(decoded, rendered, strict=True):
        try:
            p = parse(d.words)
        except CaptionError:
            continue
        parsed += 1
        relations_total += len(p.relations)
        relations_true += sum(relation_holds(r.scene, a, name, b) for a, name, b in p.relations)
    truth, named = sum(o.truth for o in objects), sum(o.named for o in objects)
    correct = sum(o.correct for o in objects)
    n = max(len(decoded), 1)
    return {
        "images": len(decoded),
        "bleu1": bleu[0],
        "bleu2": bleu[1],
        "bleu3": bleu[2],
        "bleu4": bleu[3],
        "attention_localization": sum(lk.hit_region for lk in looks) / max(len(looks), 1),
        "attention_localization_centre": sum(lk.hit_centre for lk in looks) / max(len(looks), 1),
        "object_words": len(looks),
        "object_recall": correct / max(truth, 1),
        "object_precision": correct / max(named, 1),
        "exact_objects": sum(o.exact for o in objects) / n,
        "grammatical": parsed / n,
        "relation_accuracy": relations_true / max(relations_total, 1),
    }


def latency_ms(model: Captioner, rendered: list[Rendered], device: torch.device, beam: int) -> float:
    """Median milliseconds to caption one image (batch of one), after one warm-up."""
    if len(rendered) < 2:
        raise ValueError("latency needs at least two images: one warm-up and one timed")
    images = itertools.cycle([r.image.to(device) for r in rendered])

    def one() -> None:
        image = next(images)
        if beam <= 1:
            greedy(model, image.unsqueeze(0))
        else:
            beam_search(model, image, width=beam)

    return median_ms(one, device, repeat=len(rendered) - 1, warmup=1)


def rounded(metrics: dict[str, float | int]) -> dict[str, float | int]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}


def by_objects(model: Captioner, device: torch.device, config: EvalConfig) -> dict[str, dict[str, float | int]]:
    """The metrics again on ``config.per_count`` scenes with exactly n objects for each n in ``config.counts``
    (a part of the test split the headline scenes never reach), each marked in or beyond the training range."""
    by_count: dict[int, list[Rendered]] = defaultdict(list)
    for n in config.counts:
        start = COUNT_START + 10_000 * n
        for r in make_split("test", config.per_count, scene_config(n, n), start=start):
            by_count[len(r.scene.objects)].append(r)
    return {
        str(n): {
            "in_training": config.min_objects <= n <= config.max_objects,
            **rounded(score(caption_all(model, scenes, device, config.beam, config.batch), scenes)),
        }
        for n, scenes in sorted(by_count.items())
    }


def evaluate(model: Captioner, device: torch.device, config: EvalConfig = EvalConfig()) -> dict[str, object]:
    """Headline metrics on the test split plus the same metrics by number of objects (beyond training too)."""
    test = make_split("test", config.test_scenes, scene_config(config.min_objects, config.max_objects))
    decoded = caption_all(model, test, device, config.beam, config.batch)
    result: dict[str, object] = {"decoding": "greedy" if config.beam <= 1 else f"beam {config.beam}"}
    result.update(rounded(score(decoded, test)))
    result["attention_localization_random_cell"] = round(random_peak_hit_rate(decoded, test), 4)
    result["by_objects"] = by_objects(model, device, config)
    timing = test[: config.timing_images]
    result["ms_per_image_greedy"] = round(latency_ms(model, timing, device, 1), 2)
    result["ms_per_image_beam3"] = round(latency_ms(model, timing, device, 3), 2)
    return result
