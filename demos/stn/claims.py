"""What the spatial-transformer lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "stn-raises-accuracy",
        ("spatial-transformer-network",),
        "On 1,000 held-out digits, each rotated by up to 60 degrees, scaled and shifted, the small CNN with a spatial "
        "transformer in front is at least 5 points more accurate than the same CNN alone, trained the same way.",
    ),
    ClaimSpec(
        "stn-centres-and-zooms",
        ("spatial-transformer-network",),
        "Learning from labels alone, the transformer centres and enlarges the digits: after its resampling their "
        "positions spread less than a third as widely as the warps spread them, and they are drawn over 1.25 times "
        "larger. Their rotation it leaves nearly as it was (over 80% of the spread remains): this small "
        "localisation net learned where the digit is and how big, and left its angle to the classifier.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.stn.model import compose, rotation_of, scale_of
    from demos.stn.train import accuracy, circular_std_degrees, held_out, load, stn_thetas

    data = held_out()
    n = len(data.labels) if ctx.full else 1000
    images, labels = data.images[:n].to(ctx.device), data.labels[:n]
    cnn, stn = load("cnn", ctx.device), load("stn", ctx.device)
    acc_cnn, acc_stn = accuracy(cnn, images, labels), accuracy(stn, images, labels)
    theta = stn_thetas(stn, data)
    both = compose(data.theta.to(theta), theta)
    shift_applied = float(data.theta[:, :, 2].std(0).mean())
    shift_left = float(both[:, :, 2].std(0).mean())
    enlarged = float(1 / scale_of(theta).mean())
    applied = circular_std_degrees(data.angle)
    left = circular_std_degrees(rotation_of(both).cpu())
    return {
        "stn-raises-accuracy": outcome(
            acc_stn - acc_cnn >= 0.05,
            accuracy_cnn=round(acc_cnn, 4),
            accuracy_with_transformer=round(acc_stn, 4),
            gain_points=round(100 * (acc_stn - acc_cnn), 2),
            held_out_digits=n,
        ),
        "stn-centres-and-zooms": outcome(
            shift_left < shift_applied / 3 and enlarged > 1.25 and left > 0.8 * applied,
            position_spread_applied=round(shift_applied, 4),
            position_spread_after_transformer=round(shift_left, 4),
            enlargement=round(enlarged, 3),
            rotation_spread_applied_degrees=round(applied, 2),
            rotation_spread_after_transformer_degrees=round(left, 2),
            held_out_digits=len(data.labels),
        ),
    }
