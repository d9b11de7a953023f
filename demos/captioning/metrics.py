"""Caption metrics: corpus BLEU with several references, attention localisation, object recall."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import torch

from demos.captioning.captions import Described, describe, mentioned
from demos.scenes import SHAPES, Rendered


def _ngrams(words: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def corpus_bleu(hypotheses: list[list[str]], references: list[list[list[str]]], max_n: int = 4) -> list[float]:
    """Cumulative corpus BLEU-1 .. BLEU-``max_n`` (Papineni et al. 2002), each in [0, 1].

    n-gram counts are clipped by the most times any one reference of that hypothesis holds the n-gram and
    summed over the corpus before dividing; BLEU-n is the geometric mean of the 1..n-gram precisions times
    the brevity penalty exp(1 - r / c) when the total hypothesis length c is below r, the summed lengths of
    the references closest in length to each hypothesis (the shorter one on a tie). No smoothing: a corpus
    with no matching n-gram of some order scores 0 from that order on.
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} reference lists")
    if any(not refs for refs in references):
        raise ValueError("every hypothesis needs at least one reference")
    matched, total = [0] * max_n, [0] * max_n
    hyp_len = ref_len = 0
    for hyp, refs in zip(hypotheses, references, strict=True):
        hyp_len += len(hyp)
        ref_len += min((len(r) for r in refs), key=lambda n: (abs(n - len(hyp)), n))
        for n in range(1, max_n + 1):
            counts = _ngrams(hyp, n)
            most: Counter[tuple[str, ...]] = Counter()
            for r in refs:
                most |= _ngrams(r, n)
            matched[n - 1] += sum(min(c, most[g]) for g, c in counts.items())
            total[n - 1] += max(len(hyp) - n + 1, 0)
    if hyp_len == 0:
        return [0.0] * max_n
    brevity = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    scores, log_sum = [], 0.0
    for n in range(max_n):
        if matched[n] == 0:
            scores.extend([0.0] * (max_n - n))
            break
        log_sum += math.log(matched[n] / total[n])
        scores.append(brevity * math.exp(log_sum / (n + 1)))
    return scores


def object_words(words: list[str]) -> list[tuple[int, Described]]:
    """(position, (size, colour, shape)) of every shape word, read with the two words before it; a shape word
    not preceded by a size and a colour gets whatever stands there, so it matches no scene object."""
    out = []
    for t, w in enumerate(words):
        if w in SHAPES:
            size = words[t - 2] if t >= 2 else ""
            colour = words[t - 1] if t >= 1 else ""
            out.append((t, (size, colour, w)))
    return out


def cell_box(cell: int, grid: int, image_size: int) -> tuple[float, float, float, float]:
    """Pixel region (x1, y1, x2, y2) of grid cell ``cell`` (row-major)."""
    side = image_size / grid
    row, col = divmod(cell, grid)
    return (col * side, row * side, (col + 1) * side, (row + 1) * side)


def overlaps(a: tuple[float, float, float, float], b: torch.Tensor) -> bool:
    x1, y1, x2, y2 = b.tolist()
    return min(a[2], x2) > max(a[0], x1) and min(a[3], y2) > max(a[1], y1)


def _contains(box: torch.Tensor, x: float, y: float) -> bool:
    x1, y1, x2, y2 = box.tolist()
    return x1 <= x < x2 and y1 <= y < y2


@dataclass(frozen=True)
class WordLook:
    word_index: int  # position of the shape word in the caption
    named: Described  # (size, colour, shape) the caption names there
    cell: int  # argmax grid cell of the attention for that word
    matched: bool  # the scene holds an object of that description
    hit_region: bool  # the peak cell's pixel region overlaps a matching object's box
    hit_centre: bool  # the peak cell's centre lies inside a matching object's box


def attention_looks(words: list[str], alphas: torch.Tensor, rendered: Rendered) -> list[WordLook]:
    """For every shape word of a generated caption: where its attention peaked and whether that is on the
    object it names. alphas (len(words), L) with L = grid * grid. A named object the scene lacks is a miss."""
    image_size = rendered.image.shape[-1]
    grid = math.isqrt(alphas.shape[1])
    side = image_size / grid
    looks = []
    for t, named in object_words(words):
        cell = int(alphas[t].argmax())
        region = cell_box(cell, grid, image_size)
        cx, cy = region[0] + side / 2, region[1] + side / 2
        boxes = [rendered.boxes[k] for k, o in enumerate(rendered.scene.objects) if describe(o) == named]
        looks.append(
            WordLook(
                word_index=t,
                named=named,
                cell=cell,
                matched=bool(boxes),
                hit_region=any(overlaps(region, b) for b in boxes),
                hit_centre=any(_contains(b, cx, cy) for b in boxes),
            )
        )
    return looks


@dataclass(frozen=True)
class ObjectScore:
    truth: int  # objects in the scene
    named: int  # object phrases in the caption
    correct: int  # named objects that match a scene object (multiset intersection)

    @property
    def exact(self) -> bool:
        return self.correct == self.truth == self.named


def object_score(words: list[str], rendered: Rendered) -> ObjectScore:
    truth = Counter(describe(o) for o in rendered.scene.objects)
    named = Counter(mentioned(words))
    return ObjectScore(sum(truth.values()), sum(named.values()), sum((truth & named).values()))
