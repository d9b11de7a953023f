"""Captioning demo, text side: captions from scenes, the parser, BLEU on hand-computed pairs, localisation."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter

import pytest
import torch

from demos.captioning.captions import (
    WORD_ID,
    WORDS,
    CaptionError,
    captions,
    decode,
    describe,
    encode,
    mentioned,
    parse,
    relation,
    relation_holds,
)
from demos.captioning.data import SPLIT_SEED, caption_set, make_split, scene_config, scene_seed
from demos.captioning.metrics import attention_looks, corpus_bleu, object_score
from demos.scenes import render, sample_scene, scene_from_spec


@pytest.mark.parametrize("seed", range(60))
def test_every_phrasing_parses_back_to_the_scene_that_produced_it(seed: int) -> None:
    scene = sample_scene(random.Random(seed), scene_config(1, 5))
    phrasings = captions(scene)
    assert len(phrasings) == (2 if len(scene.objects) == 1 else 4)
    truth = Counter(describe(o) for o in scene.objects)
    for words in phrasings:
        parsed = parse(words)
        assert Counter(parsed.objects) == truth
        assert len(parsed.relations) == len(scene.objects) // 2
        assert all(relation_holds(scene, a, name, b) for a, name, b in parsed.relations)


def test_relation_follows_the_axis_where_centres_differ_most() -> None:
    scene = scene_from_spec(
        [
            {"shape": "circle", "colour": "red", "size": "small", "cx": 0.2, "cy": 0.5},
            {"shape": "square", "colour": "blue", "size": "large", "cx": 0.7, "cy": 0.4},
            {"shape": "triangle", "colour": "green", "size": "small", "cx": 0.75, "cy": 0.9},
        ]
    )
    red, blue, green = scene.objects
    assert relation(red, blue) == "left of" and relation(blue, red) == "right of"
    assert relation(blue, green) == "above" and relation(green, blue) == "below"
    assert [" ".join(c) for c in captions(scene)] == [
        "a small red circle left of a large blue square and a small green triangle",
        "there is a small red circle left of a large blue square and a small green triangle",
        "a large blue square right of a small red circle and a small green triangle",
        "there is a large blue square right of a small red circle and a small green triangle",
    ]


def test_a_wrong_relation_does_not_hold() -> None:
    scene = scene_from_spec(
        [
            {"shape": "circle", "colour": "red", "size": "small", "cx": 0.2, "cy": 0.5},
            {"shape": "square", "colour": "blue", "size": "large", "cx": 0.7, "cy": 0.5},
        ]
    )
    red, blue = (describe(o) for o in scene.objects)
    assert relation_holds(scene, red, "left of", blue)
    assert not relation_holds(scene, red, "right of", blue)
    assert not relation_holds(scene, red, "above", blue)
    assert not relation_holds(scene, red, "left of", ("small", "blue", "square"))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a small red", "ends at word 1"),
        ("a huge red circle", "word 2 is 'huge'"),
        ("a small red circle left a large blue square", "word 5 is 'left'"),
        ("a small red circle a large blue square", "word 5 is 'a'"),
        ("there is", "names no object"),
    ],
)
def test_parser_names_the_first_bad_word(text: str, where: str) -> None:
    with pytest.raises(CaptionError, match=where):
        parse(text.split())


def test_lenient_reading_and_object_score() -> None:
    scene = scene_from_spec(
        [
            {"shape": "circle", "colour": "red", "size": "small", "cx": 0.2, "cy": 0.5},
            {"shape": "circle", "colour": "red", "size": "small", "cx": 0.7, "cy": 0.5},
        ]
    )
    words = "a small red circle a small red circle a small red circle and large blue".split()
    assert mentioned(words) == [("small", "red", "circle")] * 3
    score = object_score(words, render(scene))
    assert (score.truth, score.named, score.correct, score.exact) == (2, 3, 2, False)


def test_tokens_round_trip_and_pad_is_zero() -> None:
    assert WORD_ID["<pad>"] == 0 and len(set(WORDS)) == len(WORDS)
    words = "there is a large purple diamond above a small orange triangle".split()
    ids = encode(words)
    assert ids[0] == WORD_ID["<start>"] and ids[-1] == WORD_ID["<end>"]
    assert decode([*ids, 0, 0]) == words
    with pytest.raises(KeyError, match="pink"):
        encode(["a", "pink"])


def test_splits_are_disjoint_by_seed_and_reproducible() -> None:
    starts = sorted(SPLIT_SEED.values())
    assert all(b - a >= 1_000_000 for a, b in itertools.pairwise(starts))
    with pytest.raises(ValueError, match="split"):
        scene_seed("holdout", 0)
    config = scene_config(1, 3)
    a, b = make_split("val", 3, config), make_split("val", 3, config)
    assert all(torch.equal(x.image, y.image) for x, y in zip(a, b, strict=True))
    assert make_split("val", 1, config, start=2)[0].scene == a[2].scene
    assert make_split("test", 1, config)[0].scene != a[0].scene
    data = caption_set(a)
    assert data.tokens.shape[:2] == (3, 4) and data.images.shape == (3, 3, 64, 64)
    for i, r in enumerate(a):
        first = data.tokens[i, 0, : int(data.lengths[i, 0])].tolist()
        assert decode(first) == captions(r.scene)[0]


def test_bleu_on_a_hand_computed_pair() -> None:
    hyp = "the cat sat on the mat".split()
    ref = "the cat is on the mat".split()
    # Precisions 5/6, 3/5, 1/4, 0/3; equal lengths, so no brevity penalty.
    b1, b2, b3, b4 = corpus_bleu([hyp], [[ref]])
    assert b1 == pytest.approx(5 / 6)
    assert b2 == pytest.approx(math.sqrt(0.5))
    assert b3 == pytest.approx(0.5)
    assert b4 == 0.0


def test_bleu_clips_counts_by_one_reference_and_uses_the_closest_reference_length() -> None:
    hyp = ["a", "a", "a", "a"]
    refs = [["a", "cat"], ["a", "a", "b", "c", "d"]]
    # "a" appears at most twice in one reference: 2/4; "a a" at most once: 1/3. Closest length 5 > 4.
    brevity = math.exp(1 - 5 / 4)
    b1, b2, _, _ = corpus_bleu([hyp], [refs])
    assert b1 == pytest.approx(brevity * 0.5)
    assert b2 == pytest.approx(brevity * math.sqrt(0.5 / 3))
    # A tie in length distance picks the shorter reference (3, not 5): no penalty for 4 words.
    assert corpus_bleu([hyp], [[["a", "a", "x"], ["a", "y", "z", "w", "v"]]])[0] == pytest.approx(0.5)


def test_bleu_sums_counts_over_the_corpus_and_is_one_for_an_exact_reference() -> None:
    b1, b2 = corpus_bleu([["a", "b"], ["c", "d"]], [[["a", "b"]], [["c", "e"]]], max_n=2)
    assert b1 == pytest.approx(0.75)  # 3 of 4 unigrams
    assert b2 == pytest.approx(math.sqrt(0.75 * 0.5))  # 1 of 2 bigrams; not the mean of sentence scores
    assert corpus_bleu([["x", "y", "z", "w"]], [[["q"], ["x", "y", "z", "w"]]]) == [1.0, 1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="reference"):
        corpus_bleu([["a"]], [[]])


def _one_hot(cells: list[int], length: int = 64) -> torch.Tensor:
    alphas = torch.zeros(len(cells), length)
    for t, c in enumerate(cells):
        alphas[t, c] = 1.0
    return alphas


def test_attention_localisation_checks_the_peak_against_the_named_objects_box() -> None:
    # A large red square centred at (16, 48) px in a 64 px image: grid cells are 8 px, so cell 6 * 8 + 2 = 50
    # (row 6, column 2) has its centre (20, 52) inside the box; cell 7 (top right) is far away.
    spec = {"shape": "square", "colour": "red", "size": "large", "cx": 0.25, "cy": 0.75}
    rendered = render(scene_from_spec([spec]))
    words = "a large red square".split()
    hit = attention_looks(words, _one_hot([0, 0, 0, 50]), rendered)
    assert [(lk.word_index, lk.named, lk.cell, lk.hit_region, lk.hit_centre) for lk in hit] == [
        (3, ("large", "red", "square"), 50, True, True)
    ]
    miss = attention_looks(words, _one_hot([0, 0, 0, 7]), rendered)
    assert not miss[0].hit_region and not miss[0].hit_centre
    # Right place, wrong colour: the scene has no large blue square, so it is a miss.
    wrong = attention_looks("a large blue square".split(), _one_hot([0, 0, 0, 50]), rendered)
    assert not wrong[0].matched and not wrong[0].hit_region
