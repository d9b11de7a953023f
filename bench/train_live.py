"""How long each live training of the training labs takes: the same calls, at the same sizes, that the panels'
"Train live" buttons make (ui.labs.optim.LIVE, ui.labs.train.LIVE), on the CPU, after the data is loaded (the
panels keep MNIST for the process). Prints JSON. Usage: python bench/train_live.py [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def runs() -> dict[str, Callable[[], object]]:
    from demos.optim.network import LR_REGIMES, NETWORK_LRS, race_network, range_test, train_with_rule
    from demos.optim.sync import stale_sgd
    from demos.train.batchnorm import train_bn
    from demos.train.core import mnist
    from demos.train.embed import train_embedding
    from demos.train.losses import train_with_loss
    from demos.train.regularise import METHODS, task, train_regularised
    from ui.labs.optim import LIVE as optim_live
    from ui.labs.train import LIVE as train_live

    data = mnist()

    def lr_runs() -> None:
        for lr in LR_REGIMES.values():
            train_with_rule(data, "sgd", lr, optim_live["lr_steps"], eval_every=50)
        range_test(data, low=1e-3, high=10.0, steps=optim_live["range_steps"])

    return {
        "optimisers race (7 rules)": lambda: race_network(tuple(NETWORK_LRS), optim_live["race_steps"]),
        "learning rate (4 rates + range test)": lr_runs,
        "stale gradients (sync + one staleness)": lambda: [
            stale_sgd(data, s, 0.1, optim_live["sync_steps"]) for s in (0, 12)
        ],
        "batch norm (both networks)": lambda: [train_bn(data, 1.0, bn, train_live["bn_steps"]) for bn in (False, True)],
        "regularisation (5 methods)": lambda: [
            train_regularised(task(), METHODS[m], train_live["reg_epochs"]) for m in METHODS
        ],
        "losses (3 runs)": lambda: [
            train_with_loss(loss, lr, train_live["loss_steps"])
            for loss, lr in (("cross_entropy", 0.3), ("mse", 0.3), ("mse", 10.0))
        ],
        "embedding (one loss)": lambda: train_embedding(data, "contrastive", train_live["embed_steps"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    out: dict[str, object] = {}
    for name, fn in runs().items():
        t0 = time.perf_counter()
        fn()
        out[name] = round(time.perf_counter() - t0, 1)
        print(f"{name}: {out[name]} s", file=sys.stderr)
    report = {
        "seconds": out,
        "hardware": f"{os.cpu_count()}-core {platform.machine()} CPU, {torch.get_num_threads()} torch threads",
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
