"""What the captioning lab claims about its shipped checkpoint, and how it measures them (see demos/claims.py).

Fast mode captions 300 held-out test scenes greedily (beam search on 100 of them) and 50 scenes for each object
count from 1 to 6; full mode is the README's protocol: 1,000 test scenes (beam search on all of them) and 150
per count. The test scenes are fixed (the first scenes of the test split), so ``--seed`` does not change them;
decoding is deterministic. The lab's page shows these measurements: the headline numbers and the table by
object count (``by_objects``).
"""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "bleu4-high",
        ("rnn-image-captioning",),
        "Greedy captions of held-out test scenes (1 to 4 objects, as in training) score corpus BLEU-4 above 0.85 "
        "against every true phrasing of each scene.",
    ),
    ClaimSpec(
        "names-the-objects",
        ("rnn-image-captioning",),
        "BLEU also rewards the grammar every caption shares, so the objects are checked too: at least 3 in 4 "
        "captions name exactly the scene's objects, and over 90% of the objects named are in the scene.",
    ),
    ClaimSpec(
        "attention-on-named-object",
        ("attention-captioning", "soft-vs-hard-attention"),
        "At each shape word the soft-attention peak lands on the object the caption names at least 70% of the "
        "time, over four times as often as a random grid cell would.",
    ),
    ClaimSpec(
        "beam-vs-greedy",
        ("rnn-image-captioning",),
        "Beam search (width 3) can prune the greedy path, so it is not guaranteed to beat greedy decoding, but it "
        "returns a caption at least as probable for at least 99% of test scenes and a more probable one for over "
        "a fifth, while moving BLEU-4 by less than 0.02: on these short captions greedy is nearly as good.",
    ),
    ClaimSpec(
        "beyond-training",
        ("rnn-image-captioning", "attention-captioning"),
        "With 5 or 6 objects (training scenes held at most 4) at least 90% of captions stay grammatical but none "
        "names every object: object recall falls below 0.8, from above 0.85 with 1 to 4 objects.",
    ),
)

PROB_TOLERANCE = 1e-4  # log-probabilities of one caption from two decoders differ by float rounding (~1e-5)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.captioning.data import make_split, scene_config
    from demos.captioning.evaluate import EvalConfig, by_objects, caption_all, random_peak_hit_rate, rounded, score
    from demos.captioning.train import CHECKPOINT, load

    scenes, beam_scenes, per_count = (1000, 1000, 150) if ctx.full else (300, 100, 50)
    model = load(CHECKPOINT, ctx.device)
    test = make_split("test", scenes, scene_config(1, 4))
    greedy = caption_all(model, test, ctx.device, beam=1, batch=200)
    s = rounded(score(greedy, test))
    chance = round(random_peak_hit_rate(greedy, test), 4)
    ctx.log(f"  greedy on {scenes} scenes: BLEU-4 {s['bleu4']}")

    beam = caption_all(model, test[:beam_scenes], ctx.device, beam=3, batch=200)
    pairs = list(zip(beam, greedy[:beam_scenes], strict=True))
    at_least = sum(b.log_prob >= g.log_prob - PROB_TOLERANCE for b, g in pairs) / len(pairs)
    more = sum(b.log_prob > g.log_prob + PROB_TOLERANCE for b, g in pairs) / len(pairs)
    bleu_beam = rounded(score(beam, test[:beam_scenes]))["bleu4"]
    bleu_greedy = rounded(score(greedy[:beam_scenes], test[:beam_scenes]))["bleu4"]

    table = by_objects(model, ctx.device, EvalConfig(per_count=per_count))
    inside = [v for v in table.values() if v["in_training"]]
    beyond = [v for v in table.values() if not v["in_training"]]
    common = {"test_scenes": scenes}
    return {
        "bleu4-high": outcome(s["bleu4"] > 0.85, bleu4=s["bleu4"], bleu1=s["bleu1"], **common),
        "names-the-objects": outcome(
            s["exact_objects"] >= 0.75 and s["object_precision"] > 0.9,
            exact_objects=s["exact_objects"],
            object_precision=s["object_precision"],
            object_recall=s["object_recall"],
            relation_accuracy=s["relation_accuracy"],
            **common,
        ),
        "attention-on-named-object": outcome(
            s["attention_localization"] >= 0.7 and s["attention_localization"] > 4 * chance,
            attention_on_named_object=s["attention_localization"],
            random_cell_chance=chance,
            times_chance=round(s["attention_localization"] / chance, 2),
            shape_words=s["object_words"],
            **common,
        ),
        "beam-vs-greedy": outcome(
            at_least >= 0.99 and more > 0.2 and abs(bleu_beam - bleu_greedy) < 0.02,
            beam_at_least_as_probable=round(at_least, 4),
            beam_more_probable=round(more, 4),
            bleu4_beam=bleu_beam,
            bleu4_greedy=bleu_greedy,
            scenes=beam_scenes,
        ),
        "beyond-training": outcome(
            all(v["grammatical"] >= 0.9 and v["exact_objects"] == 0 and v["object_recall"] < 0.8 for v in beyond)
            and all(v["object_recall"] > 0.85 for v in inside),
            recall_beyond_training=min(v["object_recall"] for v in beyond),
            recall_in_training=min(v["object_recall"] for v in inside),
            scenes_per_count=per_count,
            by_objects=table,
        ),
    }
