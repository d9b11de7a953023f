"""What the latent-interpolation lab claims, measured with the shipped autoencoders and classifier on 200 random
pairs of held-out digits (full mode: 1,000 pairs)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "vae-path-stays-on-digits-in-2d",
        ("latent-space-interpolation", "variational-autoencoder", "autoencoder"),
        "With 2 latent numbers, the VAE's straight paths between two digits look more like digits to the "
        "classifier than the plain autoencoder's (higher mean confidence over the inner steps): the KL term packs "
        "the codes together, so the path crosses fewer empty regions.",
    ),
    ClaimSpec(
        "no-gap-with-8-numbers",
        ("latent-space-interpolation", "variational-autoencoder", "autoencoder"),
        "With 8 latent numbers the difference is gone: the two models' paths score within 0.03 of each other, so "
        "on these digits the VAE's advantage shows only in the cramped 2-D space.",
    ),
    ClaimSpec(
        "cross-fade-fools-the-judge",
        ("latent-space-interpolation", "supervised-learning"),
        "A plain cross-fade of pixels scores higher than either latent path: a classifier trained only on real "
        "digits names an overlay of two digits confidently, so its confidence is a loose judge of realism.",
    ),
    ClaimSpec(
        "endpoints-need-room",
        ("latent-space-interpolation", "autoencoder"),
        "Both ends of a path are recognised as the chosen digits for at least 60 % of the pairs with 8 latent "
        "numbers, and for fewer than 40 % with 2: two numbers cannot keep ten digits apart.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.gen import interpolate
    from demos.gen.data import mnist_split
    from demos.gen.panels import EVAL_SEED, INTERPOLATION_STEPS, autoencoders, classifier, endpoint_share

    _, test = mnist_split()
    models, judge = autoencoders(ctx.device), classifier(ctx.device)
    pairs = interpolate.random_pairs(test.y, 1000 if ctx.full else 200, EVAL_SEED + ctx.seed)

    def score(model_key: str | None) -> float:
        model = None if model_key is None else models[model_key]
        return interpolate.mean_inner_confidence(judge, test.x, pairs, INTERPOLATION_STEPS, model)[0]

    s = {k: score(k) for k in ("mlp-2", "vae-2", "mlp-8", "vae-8")}
    pixel = score(None)
    ends = {k: endpoint_share(models[k], judge, pairs, test.x, test.y) for k in ("vae-2", "mlp-2", "vae-8", "mlp-8")}
    r = {k: round(v, 4) for k, v in s.items()}
    return {
        "vae-path-stays-on-digits-in-2d": outcome(
            s["vae-2"] > s["mlp-2"], vae_2d=r["vae-2"], autoencoder_2d=r["mlp-2"], pairs=len(pairs)
        ),
        "no-gap-with-8-numbers": outcome(
            abs(s["vae-8"] - s["mlp-8"]) <= 0.03, vae_8d=r["vae-8"], autoencoder_8d=r["mlp-8"], pairs=len(pairs)
        ),
        "cross-fade-fools-the-judge": outcome(
            pixel > max(s.values()), cross_fade=round(pixel, 4), best_latent_path=max(r.values()), pairs=len(pairs)
        ),
        "endpoints-need-room": outcome(
            min(ends["vae-8"], ends["mlp-8"]) >= 0.6 and max(ends["vae-2"], ends["mlp-2"]) < 0.4,
            **{f"both_ends_right_{k.replace('-', '_')}": round(v, 4) for k, v in ends.items()},
            pairs=len(pairs),
        ),
    }
