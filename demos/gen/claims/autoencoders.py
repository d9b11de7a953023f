"""What the PCA / autoencoder / VAE lab claims, measured on the shipped models and the fixed MNIST split."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "linear-ae-is-pca",
        ("pca-l2-reconstruction", "autoencoder"),
        "On the training digits a linear autoencoder trained with L2 comes within 2 % of PCA's reconstruction "
        "error and never below it, at latent sizes 2, 8 and 32: PCA is the best rank-k linear reconstruction, "
        "and gradient descent finds the same subspace.",
    ),
    ClaimSpec(
        "nonlinear-beats-pca",
        ("autoencoder", "pca-l2-reconstruction", "unsupervised-learning"),
        "A non-linear autoencoder (one 128-unit ReLU layer each side) reconstructs held-out digits with lower "
        "error than PCA at every latent size: the bound holds only for linear maps.",
    ),
    ClaimSpec(
        "vae-pays-for-kl",
        ("variational-autoencoder", "variational-inference-elbo"),
        "The VAE reconstructs held-out digits worse than the plain autoencoder of the same size at every latent "
        "size, and its KL term grows with the latent size: the ELBO trades reconstruction for codes that stay "
        "close to the prior.",
    ),
    ClaimSpec(
        "elbo-terms-pull-apart",
        ("variational-inference-elbo", "variational-autoencoder"),
        "The ELBO's two terms pull against each other (VAE, latent size 8): the KL term first drops (epoch 1 to "
        "2, codes pulled onto the prior), then climbs back by at least 5 nats by the last epoch, while the "
        "reconstruction term falls to less than half its first-epoch value: the encoder pays KL nats for detail.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.gen import autoencoders as ae
    from demos.gen.data import mnist_split
    from demos.gen.panels import STORE, autoencoders, pca

    train, test = mnist_split()
    models = autoencoders(ctx.device)
    p = pca()
    lin_gap, ae_vs_pca, vae_vs_ae = {}, {}, {}
    for k in ae.LATENTS:
        pca_train = ae.mse(p.reconstruct(train.flat, k), train.flat)
        lin_train = ae.reconstruction_error(models[f"linear-{k}"], train.flat)
        lin_gap[k] = (lin_train - pca_train) / pca_train
        pca_test = ae.mse(p.reconstruct(test.flat, k), test.flat)
        mlp_test = ae.reconstruction_error(models[f"mlp-{k}"], test.flat)
        vae_test = ae.reconstruction_error(models[f"vae-{k}"], test.flat)
        ae_vs_pca[k] = (round(mlp_test, 5), round(pca_test, 5))
        vae_vs_ae[k] = (round(vae_test, 5), round(mlp_test, 5))
    history = STORE.meta("autoencoders")["runs"]
    kl_final = {k: history[f"vae-{k}"]["history"][-1]["kl"] for k in ae.LATENTS}
    h8 = history["vae-8"]["history"]
    return {
        "linear-ae-is-pca": outcome(
            all(0 <= g <= 0.02 for g in lin_gap.values()),
            **{f"excess_over_pca_k{k}": float(f"{g:.2e}") for k, g in lin_gap.items()},
        ),
        "nonlinear-beats-pca": outcome(
            all(a < b for a, b in ae_vs_pca.values()),
            **{f"autoencoder_k{k}": a for k, (a, _) in ae_vs_pca.items()},
            **{f"pca_k{k}": b for k, (_, b) in ae_vs_pca.items()},
        ),
        "vae-pays-for-kl": outcome(
            all(v > a for v, a in vae_vs_ae.values()) and kl_final[2] < kl_final[8] < kl_final[32],
            **{f"vae_k{k}": v for k, (v, _) in vae_vs_ae.items()},
            **{f"autoencoder_k{k}": a for k, (_, a) in vae_vs_ae.items()},
            **{f"kl_nats_k{k}": v for k, v in kl_final.items()},
        ),
        "elbo-terms-pull-apart": outcome(
            h8[1]["kl"] < h8[0]["kl"] and h8[-1]["kl"] >= h8[1]["kl"] + 5 and h8[-1]["recon"] < h8[0]["recon"] / 2,
            kl_epoch_1=h8[0]["kl"],
            kl_epoch_2=h8[1]["kl"],
            kl_last_epoch=h8[-1]["kl"],
            recon_epoch_1=h8[0]["recon"],
            recon_last_epoch=h8[-1]["recon"],
            source="the training record in checkpoints/autoencoders.json",
        ),
    }
