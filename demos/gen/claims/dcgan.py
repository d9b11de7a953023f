"""What the DCGAN lab claims, measured on fresh samples of the shipped generator and the shipped 8-D VAE, judged by
the family's classifier (1,000 samples each; full mode: 5,000)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "dcgan-draws-digits",
        ("generative-adversarial-network",),
        "The classifier is at least 90 % sure of at least 40 % of the DCGAN's samples (of real held-out digits: "
        "over 90 %): after 3,000 steps on 4,000 digits the samples look like digits, but not yet like real ones.",
    ),
    ClaimSpec(
        "gan-sharper-than-vae",
        ("generative-adversarial-network", "vae-gan"),
        "The DCGAN's samples are judged more confidently than samples from the 8-D VAE's prior (mean top "
        "probability): the adversarial loss rewards crisp strokes, the VAE's pixel loss rewards averages.",
    ),
    ClaimSpec(
        "gan-drops-digits",
        ("generative-adversarial-network",),
        "The DCGAN spreads its samples over the ten digits less evenly than the VAE (lower class entropy), and its "
        "rarest digit gets under 3 % of its samples while the VAE gives every digit at least 4 %: the GAN drops "
        "modes, the VAE, trained to reconstruct every digit, does not.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.gen import dcgan
    from demos.gen.data import mnist_split
    from demos.gen.panels import EVAL_SEED, autoencoders, classifier, dcgan_generator, vae_samples

    n = 5000 if ctx.full else 1000
    judge = classifier(ctx.device)
    _, test = mnist_split()
    gan = dcgan.quality(judge, dcgan.sample(dcgan_generator(ctx.device), n, EVAL_SEED + ctx.seed))
    vae = dcgan.quality(judge, vae_samples(autoencoders(ctx.device)["vae-8"], n, EVAL_SEED + ctx.seed))
    real = dcgan.quality(judge, test.x)
    return {
        "dcgan-draws-digits": outcome(
            gan.confident_share >= 0.4 and real.confident_share > 0.9,
            dcgan_confident_share=gan.confident_share,
            real_confident_share=real.confident_share,
            dcgan_mean_confidence=gan.mean_confidence,
            samples=n,
        ),
        "gan-sharper-than-vae": outcome(
            gan.mean_confidence > vae.mean_confidence,
            dcgan_mean_confidence=gan.mean_confidence,
            vae_mean_confidence=vae.mean_confidence,
            samples=n,
        ),
        "gan-drops-digits": outcome(
            gan.class_entropy_bits < vae.class_entropy_bits
            and min(gan.class_shares) < 0.03
            and min(vae.class_shares) >= 0.04,
            dcgan_class_entropy_bits=gan.class_entropy_bits,
            vae_class_entropy_bits=vae.class_entropy_bits,
            dcgan_rarest_digit=gan.class_shares.index(min(gan.class_shares)),
            dcgan_rarest_share=min(gan.class_shares),
            vae_rarest_share=min(vae.class_shares),
            samples=n,
        ),
    }
