"""Claims of the convolution-arithmetic lab: output sizes, receptive fields, causal and transposed convolutions,
flattening and 3-D shapes, each checked against what torch computes."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "output-size-matches-torch",
        ("convolution", "stride", "pooling", "transposed-convolution"),
        "output_size and transposed_output_size give exactly the shapes torch's Conv2d, MaxPool2d and "
        "ConvTranspose2d produce, on 600 random settings of input size, kernel, stride, padding and dilation.",
    ),
    ClaimSpec(
        "field-formula-equals-gradient",
        ("receptive-field", "stride", "pooling", "cnn-architecture"),
        "The receptive-field formula equals the extent of the input gradient of one output unit at every depth of "
        "four stacks: plain 3 × 3, dilated 3 × 3, VGG-16 (196 pixels at conv5_3) and AlexNet (163 at conv5).",
    ),
    ClaimSpec(
        "dilation-grows-exponentially",
        ("dilated-convolution", "receptive-field"),
        "Doubling the dilation at every layer grows a 3 × 3 stack's receptive field exponentially, 2^(L+1) − 1 "
        "pixels after L layers (511 after 8), where plain 3 × 3 layers grow it linearly, 2L + 1 (17 after 8).",
    ),
    ClaimSpec(
        "causal-sees-no-future",
        ("causal-convolution", "dilated-convolution", "receptive-field"),
        "In a 1-D stack of causal convolutions (kernel 2, dilations 1, 2, 4, 8) the output at every step t has "
        "exactly zero gradient from every input after t and a non-zero one from each of the 16 steps up to t; the "
        "same stack padded on both sides sees the future.",
    ),
    ClaimSpec(
        "transposed-is-zero-inserted-conv",
        ("transposed-convolution",),
        "A transposed convolution equals a stride-1 convolution with the flipped kernel over its input with "
        "stride − 1 zeros inserted between values (a fractionally strided convolution), on 40 random settings.",
    ),
    ClaimSpec(
        "flatten-feeds-fc",
        ("flattening", "fully-connected-layer", "cnn-architecture", "image-as-tensor"),
        "Program #5's CNN takes a 1 × 28 × 28 image to a 32 × 7 × 7 volume, flattens it into 1,568 values, and "
        "its fully connected layer on them holds about half of the network's parameters (torch's layer report).",
    ),
    ClaimSpec(
        "conv3d-shapes",
        ("3d-convolution", "temporal-extent-filters"),
        "output_size applied to each axis predicts torch's Conv3d output for 11 × 11 × T filters sliding over a "
        "15-frame RGB clip, for every temporal extent T from 1 to 15; at T = 15 time collapses to one step.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import random

    import torch
    import torch.nn.functional as F
    from torch import nn

    from demos.conv.arithmetic import output_size, receptive_field, transposed_output_size
    from demos.conv.ops import conv_transpose2d_as_conv, relative_error
    from demos.conv.program5 import make_cnn
    from demos.conv.receptive import causal_jacobian, empirical_receptive_field, layer_table
    from demos.conv.records import STACKS, VIDEO

    rng = random.Random(ctx.seed)
    meta = torch.device("meta")
    checked = mismatches = 0
    while checked < 600:
        n, k = rng.randint(1, 40), rng.randint(1, 7)
        s, p, d = rng.randint(1, 4), rng.randint(0, 3), rng.randint(1, 3)
        kind = checked % 3
        x = torch.empty(1, 1, n, n, device=meta)
        try:
            if kind == 0:
                want = F.conv2d(x, torch.empty(1, 1, k, k, device=meta), stride=s, padding=p, dilation=d).shape[-1]
                got = output_size(n, k, s, p, d)
            elif kind == 1:
                if p > k // 2:
                    continue
                want = F.max_pool2d(x, k, s, p, dilation=d).shape[-1]
                got = output_size(n, k, s, p, d)
            else:
                op = rng.randint(0, max(s, d) - 1)
                w = torch.empty(1, 1, k, k, device=meta)
                want = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d).shape[-1]
                got = transposed_output_size(n, k, s, p, op, d)
        except (RuntimeError, ValueError):
            continue  # a setting torch refuses; output_size's own refusals are tested in the unit tests
        checked += 1
        mismatches += int(got != want)

    depths = disagreements = 0
    for _, named in STACKS.values():
        layers = [layer for _, layer in named]
        for depth in range(1, len(layers) + 1):
            got_field = empirical_receptive_field(layers[:depth])
            depths += 1
            disagreements += int(got_field["extent"] != receptive_field(layers[:depth]))
    vgg = [layer for _, layer in STACKS["vgg16"][1]]
    alex = [layer for _, layer in STACKS["alexnet"][1]]

    plain = [empirical_receptive_field([{"kernel": 3}] * depth)["extent"] for depth in range(1, 9)]
    dilated = [
        empirical_receptive_field([{"kernel": 3, "dilation": 2**i} for i in range(depth)])["extent"]
        for depth in range(1, 9)
    ]

    kernel, dilations, length = 2, [1, 2, 4, 8], 32
    causal = causal_jacobian(kernel, dilations, length, causal=True, seed=ctx.seed)  # (T, T)
    centred = causal_jacobian(kernel, dilations, length, causal=False, seed=ctx.seed)
    future = torch.triu(causal, diagonal=1)
    field = receptive_field([{"kernel": kernel, "dilation": d} for d in dilations])
    seen_past = all(
        bool((causal[t, max(0, t - field + 1) : t + 1] > 0).all())
        and bool((causal[t, : max(0, t - field + 1)] == 0).all())
        for t in range(length)
    )

    gen = torch.Generator().manual_seed(ctx.seed)
    worst, settings = 0.0, 0
    while settings < 40:
        k, s, d = rng.randint(1, 4), rng.randint(1, 3), rng.randint(1, 2)
        p, op = rng.randint(0, d * (k - 1)), rng.randint(0, max(s, d) - 1)
        x = torch.randn(2, 3, rng.randint(1, 7), rng.randint(1, 7), generator=gen)
        w = torch.randn(3, 2, k, k, generator=gen)
        try:
            want_t = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
        except RuntimeError:
            continue
        settings += 1
        got_t = conv_transpose2d_as_conv(x, w, s, p, op, d)
        worst = max(worst, relative_error(got_t, want_t) if got_t.shape == want_t.shape else float("inf"))

    table = layer_table(make_cnn("3x3"), (1, 28, 28))
    flatten = next(r for r in table if r["type"] == "Flatten")
    before = table[table.index(flatten) - 1]
    fc = next(r for r in table if r["type"] == "Linear")
    total = sum(r["parameters"] for r in table)

    v = VIDEO
    video_ok, collapsed = True, None
    for t in range(1, v["frames"] + 1):
        conv = nn.Conv3d(
            v["channels"], v["filters"], (t, v["kernel"], v["kernel"]), stride=(1, v["stride"], v["stride"])
        )
        shape = list(conv.to(meta)(torch.empty(1, v["channels"], v["frames"], v["side"], v["side"], device=meta)).shape)
        side = output_size(v["side"], v["kernel"], v["stride"])
        video_ok &= shape[1:] == [v["filters"], output_size(v["frames"], t), side, side]
        if t == v["frames"]:
            collapsed = shape[2]

    return {
        "output-size-matches-torch": outcome(mismatches == 0, settings=checked, mismatches=mismatches),
        "field-formula-equals-gradient": outcome(
            disagreements == 0 and receptive_field(vgg) == 196 and receptive_field(alex) == 163,
            stack_depths_checked=depths,
            disagreements=disagreements,
            vgg16_conv5_3_field=receptive_field(vgg),
            alexnet_field=receptive_field(alex),
        ),
        "dilation-grows-exponentially": outcome(
            dilated == [2 ** (depth + 1) - 1 for depth in range(1, 9)] and plain == [2 * d + 1 for d in range(1, 9)],
            dilated_fields=dilated,
            plain_fields=plain,
            dilated_after_8=dilated[-1],
            plain_after_8=plain[-1],
        ),
        "causal-sees-no-future": outcome(
            bool((future == 0).all()) and seen_past and bool((torch.triu(centred, diagonal=1) > 0).any()),
            largest_future_gradient_causal=float(future.max()),
            receptive_field=field,
            centred_future_inputs_seen_at_t_16=int((centred[16, 17:] > 0).sum()),
        ),
        "transposed-is-zero-inserted-conv": outcome(worst <= 1e-5, settings=settings, worst_relative_error=worst),
        "flatten-feeds-fc": outcome(
            before["output_shape"] == [32, 7, 7]
            and flatten["output_shape"] == [1568]
            and 0.4 <= fc["parameters"] / total <= 0.6,
            volume=" × ".join(map(str, before["output_shape"])),
            flattened=flatten["output_shape"][0],
            fc_parameters=fc["parameters"],
            total_parameters=total,
        ),
        "conv3d-shapes": outcome(
            video_ok and collapsed == 1, temporal_extents=v["frames"], all_match=video_ok, time_steps_at_t_15=collapsed
        ),
    }
