"""Captioned scenes: train/val/test splits by seed, and padded token batches for teacher forcing.

Scene ``i`` of a split is drawn from ``random.Random(SPLIT_SEED[split] + i)``; the seed ranges of the splits
never meet, so no scene is shared between them, and any one scene can be redrawn from its seed alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from demos.captioning.captions import WORD_ID, captions, encode
from demos.scenes import Rendered, SceneConfig, render, sample_scene

# First seed of each split; a split holds at most 1,000,000 scenes, so the ranges are disjoint.
SPLIT_SEED: dict[str, int] = {"train": 0, "val": 1_000_000, "test": 2_000_000}
SPLIT_SIZE = 1_000_000


def scene_config(min_objects: int = 1, max_objects: int = 4, image_size: int = 64) -> SceneConfig:
    """The scenes the captioner sees: objects never overlap, so every object is whole and nameable."""
    return SceneConfig(image_size=image_size, min_objects=min_objects, max_objects=max_objects, max_overlap=0.0)


def scene_seed(split: str, index: int) -> int:
    if split not in SPLIT_SEED:
        raise ValueError(f"split {split!r} is not one of {tuple(SPLIT_SEED)}")
    if not 0 <= index < SPLIT_SIZE:
        raise ValueError(f"scene index {index} must be in [0, {SPLIT_SIZE})")
    return SPLIT_SEED[split] + index


def make_split(split: str, n: int, config: SceneConfig, start: int = 0) -> list[Rendered]:
    """Scenes ``start .. start + n - 1`` of ``split``, rendered under ``config`` (the same every time)."""
    return [
        render(sample_scene(random.Random(scene_seed(split, start + i)), config), config.image_size) for i in range(n)
    ]


@dataclass(frozen=True)
class CaptionSet:
    images: torch.Tensor  # (N, 3, H, W) float32 in [0, 1]
    tokens: torch.Tensor  # (N, P, T) int64 token ids, P phrasings per image (repeated to fill), padded with 0
    lengths: torch.Tensor  # (N, P) int64 tokens per phrasing, start and end included
    rendered: list[Rendered]  # the scenes, for boxes and ground truth


def caption_set(rendered: list[Rendered], phrasings: int = 4) -> CaptionSet:
    """Stack images and tokenised phrasings; a scene with fewer phrasings repeats them cyclically."""
    encoded = []
    for r in rendered:
        all_caps = [encode(c) for c in captions(r.scene)]
        encoded.append([all_caps[p % len(all_caps)] for p in range(phrasings)])
    longest = max(len(c) for caps in encoded for c in caps)
    tokens = torch.full((len(rendered), phrasings, longest), WORD_ID["<pad>"], dtype=torch.long)
    lengths = torch.zeros(len(rendered), phrasings, dtype=torch.long)
    for i, caps in enumerate(encoded):
        for p, c in enumerate(caps):
            tokens[i, p, : len(c)] = torch.tensor(c)
            lengths[i, p] = len(c)
    images = torch.stack([r.image for r in rendered]) if rendered else torch.zeros(0, 3, 64, 64)
    return CaptionSet(images=images, tokens=tokens, lengths=lengths, rendered=rendered)
