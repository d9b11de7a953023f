"""What the word-vector lab claims, measured on MiniLM's shipped table and the shipped skip-gram vectors."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "pretrained-knows-forms",
        ("pretrained-word-vectors",),
        "MiniLM's pretrained word-piece table puts the other form of a word (image/images, train/training) among "
        "its 10 nearest words for at least 80 % of the test pairs; skip-gram trained on the notes alone manages "
        "at most 30 %.",
    ),
    ClaimSpec(
        "notes-vectors-know-topics",
        ("pretrained-word-vectors", "unsupervised-learning"),
        "Skip-gram trained on the notes puts a word the notes discuss with it (lstm/gates, encoder/decoder) among "
        "the 10 nearest for at least 50 % of the test pairs; MiniLM's table for at most 25 %.",
    ),
    ClaimSpec(
        "pretrained-solves-analogies",
        ("pretrained-word-vectors",),
        "MiniLM's table answers at least half of the analogies (image : images :: layer : ?) with its nearest "
        "word; skip-gram on the notes answers fewer than MiniLM.",
    ),
    ClaimSpec(
        "jargon-is-split",
        ("pretrained-word-vectors",),
        "At least 10 % of the notes' words are not in MiniLM's 30,522-piece vocabulary and are split into pieces "
        "(lstm -> l ##st ##m), so the table has no vector of their own for them.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.seq import wordvec
    from demos.seq.panels import word_scores, word_spaces

    mini, sg, pieces = word_spaces()
    s = word_scores(mini, sg)
    split_share = sum(p > 1 for p in pieces) / len(pieces)
    return {
        "pretrained-knows-forms": outcome(
            s["form_top10"]["minilm"] >= 0.8 and s["form_top10"]["skipgram"] <= 0.3,
            minilm=s["form_top10"]["minilm"],
            skipgram=s["form_top10"]["skipgram"],
            pairs=s["form_pairs"],
        ),
        "notes-vectors-know-topics": outcome(
            s["topic_top10"]["skipgram"] >= 0.5 and s["topic_top10"]["minilm"] <= 0.25,
            skipgram=s["topic_top10"]["skipgram"],
            minilm=s["topic_top10"]["minilm"],
            pairs=s["topic_pairs"],
        ),
        "pretrained-solves-analogies": outcome(
            s["analogy_top1"]["minilm"] >= 0.5 and s["analogy_top1"]["skipgram"] < s["analogy_top1"]["minilm"],
            minilm=s["analogy_top1"]["minilm"],
            skipgram=s["analogy_top1"]["skipgram"],
            analogies=s["analogies"],
        ),
        "jargon-is-split": outcome(
            split_share >= 0.1,
            split_share=round(split_share, 4),
            words=len(pieces),
            lstm_pieces=" ".join(wordvec.word_pieces("lstm", wordvec.minilm_table()[1])),
        ),
    }
