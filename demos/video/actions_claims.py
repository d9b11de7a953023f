"""What the actions lab claims, measured on held-out clips with the shipped checkpoints (see demos/claims.py)."""

from __future__ import annotations

from typing import Any

from demos.claims import ClaimSpec, Context, Outcome, outcome

MOTION_MODELS = ("early-fusion", "slow-fusion", "c3d", "two-stream", "cnn-lstm", "conv-gru")

SPECS = (
    ClaimSpec(
        "single-frame-near-chance",
        ("single-frame-baseline",),
        "On actions that only motion tells apart (8 classes, chance 12.5%), the single-frame CNN is at chance on "
        "the middle frame alone (at most 20%) and, averaging over all 8 frames, at most 50%: the ceiling for any "
        "model blind to frame order, since every class is another class played backwards.",
    ),
    ClaimSpec(
        "motion-models-far-above",
        (
            "single-frame-baseline",
            "slow-fusion",
            "c3d",
            "3d-convolution",
            "temporal-extent-filters",
            "two-stream-networks",
            "cnn-lstm-video",
            "conv-lstm",
            "recurrent-convolutional-network",
            "local-vs-global-motion",
            "rnn-3d-convnet-video",
        ),
        "Every model that sees the frames in order (early fusion, slow fusion, C3D, two-stream, CNN + LSTM, "
        "ConvGRU) scores at least 65% on the same held-out clips, over five times chance and far above the "
        "single-frame baseline.",
    ),
    ClaimSpec(
        "local-motion-3d-conv",
        ("local-vs-global-motion", "3d-convolution", "slow-fusion", "c3d", "cnn-lstm-video", "rnn-3d-convnet-video"),
        "These motions are short and local, and 3D convolutions see them best: slow fusion and C3D score at least "
        "95%, while CNN + LSTM, whose LSTM only compares one pooled summary per frame, scores at least 10 points "
        "lower.",
    ),
    ClaimSpec(
        "temporal-stream-does-the-work",
        ("two-stream-networks", "optical-flow"),
        "In the two-stream network the temporal stream (stacked Farnebäck flow) alone scores at least 75%, while "
        "the spatial stream (the middle frame) alone stays below 25%: here all the information is in the motion.",
    ),
    ClaimSpec(
        "3d-conv-is-costly",
        ("3d-convolution", "c3d", "temporal-extent-filters"),
        "3D convolution is the costly way to see motion: C3D needs at least 5 times the multiply-adds per clip of "
        "early fusion, which folds the whole clip into its first layer's channels.",
    ),
    ClaimSpec(
        "multires-context-and-fovea",
        ("multi-resolution-video",),
        "The multi-resolution network (a full-resolution centre crop plus the whole frame at half resolution) "
        "needs under a third of C3D's multiply-adds and still scores at least 80%, though below C3D: the fixed "
        "centre crop often misses a shape that moves off-centre.",
    ),
)


def evaluate(n: int, device: Any) -> dict[str, Any]:
    """Accuracy, parameters and milliseconds per clip of every shipped model on ``n`` held-out clips, plus the
    single-frame model on the middle frame and the two-stream model's streams alone."""
    import torch

    from demos.video.models import MODELS, TwoStream, parameters
    from demos.video.train import accuracy, load, macs, ms_per_clip, predict, stream_accuracy, test_data

    data = test_data(n)
    out: dict[str, Any] = {"clips": n, "models": {}}
    for name in MODELS:
        model, _ = load(name, device)
        out["models"][name] = {
            "accuracy": round(accuracy(predict(model, data, device), data.labels), 4),
            "parameters": parameters(model),
            "ms_per_clip": round(ms_per_clip(model, data, device), 3),
            "macs_per_clip": macs(model, data, device),
        }
        if isinstance(model, TwoStream):
            out["streams"] = {k: round(v, 4) for k, v in stream_accuracy(model, data, device).items()}
        if name == "single-frame":
            mid = data.clips.shape[1] // 2
            with torch.no_grad():
                from demos.video.actions import ActionData

                middle = ActionData(data.clips[:, mid : mid + 1], data.labels, data.flows[:, :0])
                out["single_frame_middle_only"] = round(accuracy(predict(model, middle, device), data.labels), 4)
    return out


def measure(ctx: Context) -> dict[str, Outcome]:
    got = evaluate(1600 if ctx.full else 200, ctx.device)
    acc = {m: r["accuracy"] for m, r in got["models"].items()}
    ms = {m: r["ms_per_clip"] for m, r in got["models"].items()}
    cost = {m: r["macs_per_clip"] for m, r in got["models"].items()}
    clips = got["clips"]
    return {
        "single-frame-near-chance": outcome(
            got["single_frame_middle_only"] <= 0.2 and acc["single-frame"] <= 0.5,
            accuracy_middle_frame=got["single_frame_middle_only"],
            accuracy_all_frames=acc["single-frame"],
            chance=0.125,
            clips=clips,
        ),
        "motion-models-far-above": outcome(
            min(acc[m] for m in MOTION_MODELS) >= 0.65,
            **{f"accuracy_{m.replace('-', '_')}": acc[m] for m in MOTION_MODELS},
            accuracy_single_frame=acc["single-frame"],
            accuracy_late_fusion=acc["late-fusion"],
            clips=clips,
            table=got["models"],
        ),
        "local-motion-3d-conv": outcome(
            min(acc["slow-fusion"], acc["c3d"]) >= 0.95
            and min(acc["slow-fusion"], acc["c3d"]) - acc["cnn-lstm"] >= 0.1,
            accuracy_slow_fusion=acc["slow-fusion"],
            accuracy_c3d=acc["c3d"],
            accuracy_cnn_lstm=acc["cnn-lstm"],
            accuracy_conv_gru=acc["conv-gru"],
            clips=clips,
        ),
        "temporal-stream-does-the-work": outcome(
            got["streams"]["temporal"] >= 0.75 and got["streams"]["spatial"] < 0.25,
            accuracy_temporal_stream=got["streams"]["temporal"],
            accuracy_spatial_stream=got["streams"]["spatial"],
            accuracy_two_stream=acc["two-stream"],
            clips=clips,
        ),
        "3d-conv-is-costly": outcome(
            cost["c3d"] >= 5 * cost["early-fusion"],
            macs_per_clip_c3d=cost["c3d"],
            macs_per_clip_early_fusion=cost["early-fusion"],
            macs_per_clip_slow_fusion=cost["slow-fusion"],
            ms_per_clip_c3d=ms["c3d"],
            ms_per_clip_early_fusion=ms["early-fusion"],
            ms_per_clip_slow_fusion=ms["slow-fusion"],
            parameters_c3d=got["models"]["c3d"]["parameters"],
            parameters_early_fusion=got["models"]["early-fusion"]["parameters"],
        ),
        "multires-context-and-fovea": outcome(
            cost["multires"] < cost["c3d"] / 3 and 0.8 <= acc["multires"] < acc["c3d"],
            accuracy_multires=acc["multires"],
            accuracy_c3d=acc["c3d"],
            macs_per_clip_multires=cost["multires"],
            macs_per_clip_c3d=cost["c3d"],
            ms_per_clip_multires=ms["multires"],
            ms_per_clip_c3d=ms["c3d"],
            clips=clips,
        ),
    }
