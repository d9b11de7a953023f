"""Convolution arithmetic against torch: output sizes against the shapes torch's layers produce (meta tensors, no
compute), receptive fields against the gradient of one output unit, and which inputs each output reads against
one-hot probes through real layers."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from demos.conv import output_size, receptive_field, transposed_output_size
from demos.conv.arithmetic import conv_reads, field_table, im2col_shape, transposed_reads
from demos.conv.receptive import empirical_receptive_field, gradient_profile

META = torch.device("meta")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def meta(n: int, m: int | None = None) -> torch.Tensor:
    return torch.empty(1, 1, n, m or n, device=META)


@FAST
@given(
    n=st.integers(1, 64),
    k=st.integers(1, 9),
    s=st.integers(1, 5),
    p=st.integers(0, 4),
    d=st.integers(1, 4),
)
def test_output_size_is_the_shape_conv2d_and_maxpool2d_produce(n: int, k: int, s: int, p: int, d: int) -> None:
    try:
        want = F.conv2d(meta(n), torch.empty(1, 1, k, k, device=META), stride=s, padding=p, dilation=d).shape[-1]
    except RuntimeError:  # torch refuses: the window does not fit in the padded input
        with pytest.raises(ValueError, match="spans"):
            output_size(n, k, s, p, d)
        return
    assert output_size(n, k, s, p, d) == want
    if p <= k // 2:  # torch's pooling allows at most half a window of padding
        assert output_size(n, k, s, p, d) == F.max_pool2d(meta(n), k, s, p, dilation=d).shape[-1]
        assert output_size(n, k, s, p) == torch.nn.AvgPool2d(k, s, p)(meta(n)).shape[-1]


@FAST
@given(
    n=st.integers(1, 32),
    k=st.integers(1, 7),
    s=st.integers(1, 4),
    p=st.integers(0, 4),
    d=st.integers(1, 3),
    op=st.integers(0, 3),
)
def test_transposed_output_size_is_the_shape_conv_transpose2d_produces(
    n: int, k: int, s: int, p: int, d: int, op: int
) -> None:
    assume(op < max(s, d))
    layer = torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op, dilation=d, device=META)
    try:
        want = layer(meta(n)).shape[-1]
    except RuntimeError:
        with pytest.raises(ValueError, match="removes the whole output"):
            transposed_output_size(n, k, s, p, op, d)
        return
    assert transposed_output_size(n, k, s, p, op, d) == want


layers_strategy = st.lists(
    st.fixed_dictionaries(
        {}, optional={"kernel": st.integers(1, 5), "stride": st.integers(1, 3), "dilation": st.integers(1, 3)}
    ),
    min_size=1,
    max_size=5,
)


@FAST
@given(layers=layers_strategy)
def test_receptive_field_equals_the_extent_of_one_units_input_gradient(layers: list[dict[str, int]]) -> None:
    """The oracle is autograd: backward from output unit 0 of a 1-D stack of real F.conv1d layers (all weights 1),
    the input pixels with a non-zero gradient are the field."""
    grad = gradient_profile(layers)
    hit = torch.nonzero(grad).flatten()
    assert receptive_field(layers) == int(hit[-1] - hit[0]) + 1
    assert field_table(layers)[-1]["field"] == receptive_field(layers)


def test_receptive_field_of_the_notes_examples() -> None:
    assert receptive_field([{"kernel": 3}] * 3) == 7  # "3 3 X3 similar as 7 x 7"
    assert receptive_field([{"kernel": 3}] * 2) == 5
    assert receptive_field([{"kernel": 3, "dilation": 2**i} for i in range(4)]) == 31
    assert receptive_field([{"kernel": 3, "stride": 2}, {"kernel": 3}]) == 7
    assert receptive_field([]) == 1
    dilated_holes = empirical_receptive_field([{"kernel": 3, "dilation": 2}, {"kernel": 3, "dilation": 2}])
    assert dilated_holes["extent"] == 9 and dilated_holes["pixels_reached"] == 5  # every other pixel


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 3), d=st.integers(1, 3))
def test_conv_reads_are_the_inputs_each_output_depends_on(n: int, k: int, s: int, p: int, d: int) -> None:
    assume(n + 2 * p >= d * (k - 1) + 1)
    reads = conv_reads(n, k, s, p, d)
    x = torch.zeros(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = F.conv1d(x, torch.ones(1, 1, k, dtype=torch.float64), stride=s, padding=p, dilation=d)
    assert y.shape[-1] == len(reads)
    for i, row in enumerate(reads):
        (grad,) = torch.autograd.grad(y[0, 0, i], x, retain_graph=True)
        assert set(torch.nonzero(grad[0, 0]).flatten().tolist()) == {r for r in row if 0 <= r < n}


@FAST
@given(n=st.integers(1, 6), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 4), d=st.integers(1, 2))
def test_transposed_reads_match_where_each_input_lands(n: int, k: int, s: int, p: int, d: int) -> None:
    op = 0
    try:
        size = transposed_output_size(n, k, s, p, op, d)
    except ValueError:
        return
    cells, reads = transposed_reads(n, k, s, p, op, d)
    assert len(reads) == size
    layer = torch.nn.ConvTranspose1d(1, 1, k, s, p, op, dilation=d, bias=False).double()
    torch.nn.init.ones_(layer.weight)
    for i in range(n):
        x = torch.zeros(1, 1, n, dtype=torch.float64)
        x[0, 0, i] = 1
        with torch.no_grad():
            y = layer(x)[0, 0]
        lands = {j for j in range(size) if y[j] != 0}
        assert lands == {j for j in range(size) if any(cells[t] == i for t in reads[j])}


def test_im2col_shape_counts_rows_and_columns() -> None:
    assert im2col_shape(3, 5, 5, 3) == (27, 9)
    assert im2col_shape(64, 56, 56, 3, padding=1) == (576, 3136)
    assert im2col_shape(1, 7, 9, 3, stride=2) == (9, 3 * 4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: output_size(0, 3), "n must be at least 1"),
        (lambda: output_size(5, 0), "kernel must be at least 1"),
        (lambda: output_size(5, 3, stride=0), "stride must be at least 1"),
        (lambda: output_size(5, 3, padding=-1), "padding must be at least 0"),
        (lambda: output_size(5, 3, dilation=0), "dilation must be at least 1"),
        (lambda: output_size(5, 2.5), "kernel must be an integer"),  # type: ignore[arg-type]
        (lambda: output_size(True, 3), "n must be an integer"),
        (lambda: output_size(4, 3, dilation=2), "spans 5 pixels"),
        (lambda: transposed_output_size(4, 3, stride=2, output_padding=2), "output_padding"),
        (lambda: transposed_output_size(1, 1, padding=1), "removes the whole output"),
        (lambda: receptive_field({"kernel": 3}), "sequence of dicts"),  # type: ignore[arg-type]
        (lambda: receptive_field("33"), "sequence of dicts"),  # type: ignore[arg-type]
        (lambda: receptive_field([3]), "layer 0 must be a dict"),  # type: ignore[list-item]
        (lambda: receptive_field([{"kernel": 3, "size": 2}]), "unknown keys"),
        (lambda: receptive_field([{"kernel": 3}, {"stride": 0}]), "layer 1 stride must be at least 1"),
        (lambda: receptive_field([{"kernel": "3"}]), "layer 0 kernel must be an integer"),
    ],
)
def test_bad_values_raise_value_error_naming_them(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()
