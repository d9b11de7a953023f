"""What the optimiser race claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "same-as-torch-optim",
        ("gradient-descent", "momentum", "adagrad", "rmsprop", "adadelta", "adam"),
        "Each of the seven update rules, written out in a few lines, moves exactly as torch.optim's optimiser: on "
        "all four surfaces (each rule at its best learning rate) and on an MLP over 20 steps, positions agree to "
        "within 1e-6.",
    ),
    ClaimSpec(
        "momentum-beats-sgd-in-a-ravine",
        ("momentum", "gradient-descent"),
        "On the quadratic with condition number 100, momentum 0.9 at its best learning rate reaches the minimum in "
        "less than half the steps plain gradient descent needs at its best.",
    ),
    ClaimSpec(
        "momentum-slower-in-a-round-bowl",
        ("momentum", "gradient-descent"),
        "The textbook 'momentum is faster' fails on a round bowl: with condition number 2, momentum 0.9 needs "
        "more steps than plain gradient descent, each at its best learning rate, because it overshoots and "
        "circles where a plain step already points at the minimum.",
    ),
    ClaimSpec(
        "adaptive-rates-need-aligned-axes",
        ("rmsprop", "adagrad", "adam"),
        "RMSProp's per-coordinate step sizes solve the condition-100 quadratic in under 20 steps when its valley "
        "lies along an axis, but need more than ten times as many once the valley is rotated by 45 degrees.",
    ),
    ClaimSpec(
        "rules-beat-sgd-on-a-network",
        ("stochastic-gradient-descent", "momentum", "adagrad", "rmsprop", "adadelta", "adam"),
        "On an MLP learning MNIST, every other rule ends its run with a lower training loss than plain SGD, "
        "each at its own tuned learning rate, from the same weights on the same minibatches.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from typing import Any

    import numpy as np
    import torch

    from demos.optim.network import NETWORK_LRS, RACE_MLP, RuleOptimizer, race_network
    from demos.optim.race import best_lr, trajectory
    from demos.optim.rules import RULES, torch_optimizer
    from demos.optim.surfaces import SURFACES
    from demos.train.core import build_mlp, mnist

    # 1. every rule against torch.optim, on every surface and on a network
    n = 50 if ctx.full else 30
    worst = 0.0
    for surface in SURFACES.values():
        for rule in RULES:
            lr = best_lr(rule, surface, n).lr
            ours = trajectory(rule, surface, surface.start, n, lr)
            p = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
            opt = torch_optimizer(rule, [p], lr)
            theirs = [p.detach().clone()]
            for _ in range(n):
                opt.zero_grad()
                surface(p).backward()
                opt.step()
                theirs.append(p.detach().clone())
            worst = max(worst, float(np.nanmax(np.abs(ours - torch.stack(theirs).numpy()))))
    data = mnist(20, 10)
    net_worst = 0.0
    for rule in RULES:
        a, b = (build_mlp(RACE_MLP, ctx.seed).double() for _ in range(2))
        ours_opt = RuleOptimizer(a.parameters(), rule, NETWORK_LRS[rule])
        theirs_opt = torch_optimizer(rule, b.parameters(), NETWORK_LRS[rule])
        x, y = data.x_train.double(), data.y_train
        for _ in range(20):
            pairs_: list[tuple[torch.nn.Module, Any]] = [(a, ours_opt), (b, theirs_opt)]
            for model, opt in pairs_:
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
        pairs = zip(a.parameters(), b.parameters(), strict=True)
        net_worst = max(net_worst, max(float((p - q).detach().abs().max()) for p, q in pairs))

    # 2-4. quadratics
    def steps(rule: str, condition: float, angle: float = 0.0) -> int:
        return best_lr(rule, SURFACES["quadratic"].using(condition=condition, angle=angle), 600).steps_to_minimum

    ravine = {r: steps(r, 100) for r in ("sgd", "momentum")}
    bowl = {r: steps(r, 2) for r in ("sgd", "momentum")}
    aligned, rotated = steps("rmsprop", 100, 0), steps("rmsprop", 100, 45)

    # 5. the network race
    n_steps = 250 if ctx.full else 100
    runs = race_network(tuple(RULES), n_steps, seed=ctx.seed, device=ctx.device)
    final = {r: float(np.mean(run.curve.loss[-30:])) for r, run in runs.items()}
    return {
        "same-as-torch-optim": outcome(
            worst < 1e-6 and net_worst < 1e-6,
            max_position_gap_surfaces=worst,
            max_weight_gap_mlp=net_worst,
            rules=len(RULES),
            surfaces=len(SURFACES),
            steps=n,
        ),
        "momentum-beats-sgd-in-a-ravine": outcome(
            0 < ravine["momentum"] < ravine["sgd"] / 2,
            steps_momentum=ravine["momentum"],
            steps_sgd=ravine["sgd"],
            condition=100,
        ),
        "momentum-slower-in-a-round-bowl": outcome(
            bowl["momentum"] > bowl["sgd"] > 0, steps_momentum=bowl["momentum"], steps_sgd=bowl["sgd"], condition=2
        ),
        "adaptive-rates-need-aligned-axes": outcome(
            0 < aligned < 20 and (rotated < 0 or rotated > 10 * aligned),
            steps_aligned=aligned,
            steps_rotated_45=rotated,
        ),
        "rules-beat-sgd-on-a-network": outcome(
            all(v < final["sgd"] for r, v in final.items() if r != "sgd"),
            final_loss=dict(sorted({r: round(v, 4) for r, v in final.items()}.items(), key=lambda kv: kv[1])),
            sgd_final_loss=round(final["sgd"], 4),
            steps=n_steps,
        ),
    }
