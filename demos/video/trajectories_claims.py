"""What the dense-trajectories lab claims, measured with the shipped SVM on held-out clips (see demos/claims.py)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "flow-histograms-svm-works",
        ("dense-trajectories", "keypoint-flow-histograms-svm", "opencv-practice-programs"),
        "Dense points tracked by Farnebäck flow, their steps counted in 8 orientation bins per quadrant around the "
        "moving thing, and a linear SVM (scikit-learn) score at least 75% on the 8 motion-only actions, where the "
        "single-frame CNN cannot pass 50%.",
    ),
    ClaimSpec(
        "local-frame-matters",
        ("dense-trajectories", "keypoint-flow-histograms-svm"),
        "Counting the flow in the moving thing's own frame (per quadrant around its centre) beats one histogram for "
        "the whole frame by at least 8 points: a whole-frame histogram sees every direction both when a shape "
        "grows and when it turns.",
    ),
    ClaimSpec(
        "learned-beat-classical",
        ("keypoint-flow-histograms-svm", "two-stream-networks"),
        "The learned two-stream network, which also reads Farnebäck flow, beats the flow-histogram SVM on the same "
        "held-out clips.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.video.models import MODELS
    from demos.video.train import accuracy, load, predict, test_data
    from demos.video.trajectories import descriptors, load_svm

    n = 1600 if ctx.full else 200
    data = test_data(n)
    svms, meta = load_svm()
    acc = {
        name: round(float((m.predict(descriptors(data.flows, local=m.local)) == data.labels).mean()), 4)
        for name, m in svms.items()
    }
    learned = {}
    for name in ("single-frame", "two-stream"):
        assert name in MODELS
        model, _ = load(name, ctx.device)
        learned[name] = round(accuracy(predict(model, data, ctx.device), data.labels), 4)
    return {
        "flow-histograms-svm-works": outcome(
            acc["local"] >= 0.75 and learned["single-frame"] <= 0.5,
            accuracy_svm=acc["local"],
            accuracy_single_frame=learned["single-frame"],
            svm_train_clips=meta.get("train_clips"),
            clips=n,
        ),
        "local-frame-matters": outcome(
            acc["local"] - acc["global"] >= 0.08,
            accuracy_local_histograms=acc["local"],
            accuracy_whole_frame_histogram=acc["global"],
            clips=n,
        ),
        "learned-beat-classical": outcome(
            learned["two-stream"] > acc["local"],
            accuracy_two_stream=learned["two-stream"],
            accuracy_svm=acc["local"],
            clips=n,
        ),
    }
