"""Captions from a scene graph, and a parser that turns a caption back into objects and relations.

A caption names every object once as "a <size> <colour> <shape>". Objects are ordered left to right and taken
in pairs; each pair is joined by the relation along the axis where the two centres differ most ("left of",
"right of", "above", "below"), so the relation is never a close call between axes. Pairs and a leftover
single object are joined by "and"::

    a small red circle left of a large blue square and a small green triangle

Each scene has up to four phrasings: with or without a leading "there is", and each pair said forwards or
the other way round ("a large blue square right of a small red circle"). All of them are references for BLEU.
"""

from __future__ import annotations

from dataclasses import dataclass

from demos.scenes import COLOURS, SHAPES, SIZES, Scene, SceneObject

PAD, START, END = "<pad>", "<start>", "<end>"
# Relation phrase -> its inverse (b rel' a when a rel b).
INVERSE: dict[str, str] = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
# Every word a caption can hold; the index of a word is its token id (PAD must stay 0).
WORDS: tuple[str, ...] = (
    PAD,
    START,
    END,
    "a",
    "there",
    "is",
    "and",
    "left",
    "right",
    "of",
    "above",
    "below",
    *SIZES,
    *COLOURS,
    *SHAPES,
)
WORD_ID: dict[str, int] = {w: i for i, w in enumerate(WORDS)}

Described = tuple[str, str, str]  # (size, colour, shape) of an object, as a caption names it


class CaptionError(ValueError):
    """A caption that does not follow the grammar; the message names the word and position."""


@dataclass(frozen=True)
class Parsed:
    objects: tuple[Described, ...]  # every object named, in caption order
    relations: tuple[tuple[Described, str, Described], ...]  # (a, relation, b): "a <relation> b"


def describe(obj: SceneObject) -> Described:
    return (obj.size, obj.colour, obj.shape)


def phrase(obj: SceneObject | Described) -> list[str]:
    size, colour, shape = describe(obj) if isinstance(obj, SceneObject) else obj
    return ["a", size, colour, shape]


def relation(a: SceneObject, b: SceneObject) -> str:
    """Where ``a`` is relative to ``b``, along the axis where their centres differ most (y grows downwards)."""
    dx, dy = a.cx - b.cx, a.cy - b.cy
    if abs(dx) >= abs(dy):
        return "left of" if dx < 0 else "right of"
    return "above" if dy < 0 else "below"


def left_to_right(scene: Scene) -> list[SceneObject]:
    return sorted(scene.objects, key=lambda o: (o.cx, o.cy))


def captions(scene: Scene) -> list[list[str]]:
    """Every phrasing of ``scene`` as a list of words (no start/end tokens); the first one is canonical.
    A scene without objects has one empty caption; the datasets never hold such scenes."""
    objects = left_to_right(scene)
    if not objects:
        return [[]]
    out: list[list[str]] = []
    for inverted in (False, True):
        clauses: list[list[str]] = []
        for i in range(0, len(objects), 2):
            pair = objects[i : i + 2]
            if len(pair) == 1:
                clauses.append(phrase(pair[0]))
                continue
            a, b = (pair[1], pair[0]) if inverted else (pair[0], pair[1])
            clauses.append([*phrase(a), *relation(a, b).split(), *phrase(b)])
        words = [w for k, clause in enumerate(clauses) for w in (["and"] if k else []) + clause]
        for prefix in ([], ["there", "is"]):
            caption = prefix + words
            if caption not in out:
                out.append(caption)
    return out


def _object_at(words: list[str], i: int) -> Described:
    if i + 4 > len(words):
        raise CaptionError(f"caption ends at word {i + 1}: expected 'a <size> <colour> <shape>'")
    article, size, colour, shape = words[i : i + 4]
    if article != "a":
        raise CaptionError(f"word {i + 1} is {article!r}, expected 'a'")
    if size not in SIZES:
        raise CaptionError(f"word {i + 2} is {size!r}, expected a size: {', '.join(SIZES)}")
    if colour not in COLOURS:
        raise CaptionError(f"word {i + 3} is {colour!r}, expected a colour: {', '.join(COLOURS)}")
    if shape not in SHAPES:
        raise CaptionError(f"word {i + 4} is {shape!r}, expected a shape: {', '.join(SHAPES)}")
    return (size, colour, shape)


def _relation_at(words: list[str], i: int) -> tuple[str, int] | None:
    """(relation, words used) if a relation starts at ``i``."""
    if words[i : i + 2] in (["left", "of"], ["right", "of"]):
        return " ".join(words[i : i + 2]), 2
    if i < len(words) and words[i] in ("above", "below"):
        return words[i], 1
    return None


def parse(words: list[str]) -> Parsed:
    """Objects and relations named by a caption (``<start>``/``<end>``/``<pad>`` are ignored).
    Raises :class:`CaptionError` if the caption does not follow the grammar."""
    words = [w for w in words if w not in (PAD, START, END)]
    if words[:2] == ["there", "is"]:
        words = words[2:]
    if not words:
        raise CaptionError("caption names no object")
    objects: list[Described] = []
    relations: list[tuple[Described, str, Described]] = []
    i = 0
    while True:
        a = _object_at(words, i)
        objects.append(a)
        i += 4
        rel = _relation_at(words, i)
        if rel is not None:
            name, used = rel
            b = _object_at(words, i + used)
            objects.append(b)
            relations.append((a, name, b))
            i += used + 4
        if i == len(words):
            return Parsed(tuple(objects), tuple(relations))
        if words[i] != "and":
            raise CaptionError(f"word {i + 1} is {words[i]!r}, expected 'and', a relation or the end")
        i += 1


def mentioned(words: list[str]) -> list[Described]:
    """Lenient reading for model output: every consecutive "<size> <colour> <shape>" triple, in order."""
    return [
        (words[i], words[i + 1], words[i + 2])
        for i in range(len(words) - 2)
        if words[i] in SIZES and words[i + 1] in COLOURS and words[i + 2] in SHAPES
    ]


def relation_holds(scene: Scene, a: Described, name: str, b: Described) -> bool:
    """True if two different objects of ``scene`` match ``a`` and ``b`` and "a <name> b" describes them."""
    return any(
        describe(x) == a and describe(y) == b and relation(x, y) == name
        for i, x in enumerate(scene.objects)
        for j, y in enumerate(scene.objects)
        if i != j
    )


def encode(words: list[str]) -> list[int]:
    """Token ids with start and end added. Raises ``KeyError`` naming an unknown word."""
    unknown = [w for w in words if w not in WORD_ID]
    if unknown:
        raise KeyError(f"unknown words {unknown}; the vocabulary is {WORDS}")
    return [WORD_ID[START], *(WORD_ID[w] for w in words), WORD_ID[END]]


def decode(ids: list[int]) -> list[str]:
    """Words up to the first end token, without start or padding."""
    out = []
    for i in ids:
        word = WORDS[i]
        if word == END:
            break
        if word not in (START, PAD):
            out.append(word)
    return out
