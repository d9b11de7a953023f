"""The lab's convolutions and matrix multiplies against torch's, on random shapes (hypothesis): im2col, the FFT,
the direct loop and the zero-inserted transposed convolution against F.conv2d / F.unfold / F.conv_transpose2d,
Strassen and the schoolbook split against a @ b, with the multiplication counts of the real runs."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from demos.conv import conv2d_direct, conv2d_fft, conv2d_im2col, strassen_matmul
from demos.conv.ops import conv_transpose2d_as_conv, im2col, relative_error
from demos.conv.strassen import Counts, blocked_matmul

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-4  # the bar: relative error in float32


def tensors(seed: int, *shapes: tuple[int, ...]) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=gen) for shape in shapes]


conv_case = st.fixed_dictionaries(
    {
        "n": st.integers(1, 3),
        "c": st.integers(1, 5),
        "o": st.integers(1, 5),
        "h": st.integers(1, 20),
        "w": st.integers(1, 20),
        "kh": st.integers(1, 6),
        "kw": st.integers(1, 6),
        "stride": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "padding": st.tuples(st.integers(0, 3), st.integers(0, 3)),
        "dilation": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "bias": st.booleans(),
        "seed": st.integers(0, 2**16),
    }
)


def _fits(case: dict) -> bool:
    (ph, pw), (dh, dw) = case["padding"], case["dilation"]
    return case["h"] + 2 * ph >= dh * (case["kh"] - 1) + 1 and case["w"] + 2 * pw >= dw * (case["kw"] - 1) + 1


def _make(case: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    x, w, b = tensors(
        case["seed"],
        (case["n"], case["c"], case["h"], case["w"]),
        (case["o"], case["c"], case["kh"], case["kw"]),
        (case["o"],),
    )
    return x, w, b if case["bias"] else None


@FAST
@given(case=conv_case)
def test_im2col_convolution_equals_conv2d_on_random_shapes(case: dict) -> None:
    assume(_fits(case))
    x, w, b = _make(case)
    kw = {k: case[k] for k in ("stride", "padding", "dilation")}
    want = F.conv2d(x, w, b, **kw)
    got = conv2d_im2col(x, w, b, **kw)
    assert got.shape == want.shape and got.dtype == x.dtype
    assert relative_error(got, want) <= TOL
    cols, (h_out, w_out) = im2col(x, (case["kh"], case["kw"]), **kw)
    assert torch.equal(cols, F.unfold(x, (case["kh"], case["kw"]), **kw))  # the matrix itself, value for value
    assert (h_out, w_out) == tuple(want.shape[-2:])


@FAST
@given(case=conv_case)
def test_fft_convolution_equals_conv2d_on_random_shapes(case: dict) -> None:
    case = {**case, "stride": (1, 1), "dilation": (1, 1)}
    assume(_fits(case))
    x, w, b = _make(case)
    want = F.conv2d(x, w, b, padding=case["padding"])
    got = conv2d_fft(x, w, b, padding=case["padding"])
    assert got.shape == want.shape
    assert relative_error(got, want) <= TOL


@settings(max_examples=25, deadline=None)
@given(case=conv_case)
def test_direct_loop_equals_conv2d_on_tiny_shapes(case: dict) -> None:
    case = {**case, "h": min(case["h"], 8), "w": min(case["w"], 8)}
    assume(_fits(case))
    x, w, b = _make(case)
    kw = {k: case[k] for k in ("stride", "padding", "dilation")}
    assert relative_error(conv2d_direct(x, w, b, **kw), F.conv2d(x, w, b, **kw)) <= TOL


@settings(max_examples=30, deadline=None)
@given(
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    d=st.integers(1, 2),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    data=st.data(),
)
def test_transposed_convolution_is_a_convolution_over_the_zero_inserted_input(
    k: int, s: int, d: int, h: int, w: int, data: st.DataObject
) -> None:
    p = data.draw(st.integers(0, d * (k - 1)))
    op = data.draw(st.integers(0, max(s, d) - 1))
    x, wt = tensors(k * 100 + s, (2, 3, h, w), (3, 2, k, k))
    try:
        want = F.conv_transpose2d(x, wt, stride=s, padding=p, output_padding=op, dilation=d)
    except RuntimeError:
        return
    if want.numel() == 0:  # torch returns an empty tensor when padding removes the whole output; we refuse
        with pytest.raises(ValueError, match="removes the whole output"):
            conv_transpose2d_as_conv(x, wt, s, p, op, d)
        return
    got = conv_transpose2d_as_conv(x, wt, s, p, op, d)
    assert got.shape == want.shape and relative_error(got, want) <= TOL


def test_fft_of_a_large_filter_on_a_large_image_stays_within_tolerance() -> None:
    x, w = tensors(3, (1, 3, 128, 128), (4, 3, 31, 31))
    assert relative_error(conv2d_fft(x, w), F.conv2d(x, w)) <= TOL


@FAST
@given(m=st.integers(1, 96), k=st.integers(1, 96), n=st.integers(1, 96), leaf=st.integers(6, 40))
def test_strassen_and_the_schoolbook_split_equal_matmul(m: int, k: int, n: int, leaf: int) -> None:
    a, b = tensors(m * k + n, (m, k), (k, n))
    want = a.double() @ b.double()
    for fn in (strassen_matmul, blocked_matmul):
        got = fn(a, b, leaf)
        assert got.shape == (m, n) and got.dtype == torch.float32
        assert relative_error(got, want) <= TOL


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_each_level_does_seven_products_instead_of_eight(depth: int) -> None:
    n = 64
    a, b = tensors(depth, (n, n), (n, n))
    fast, slow = Counts(), Counts()
    strassen_matmul(a, b, leaf=n >> depth, counts=fast)
    blocked_matmul(a, b, leaf=n >> depth, counts=slow)
    assert (fast.depth, slow.depth) == (depth, depth)
    assert (fast.leaf_products, slow.leaf_products) == (7**depth, 8**depth)
    assert fast.multiplications * 8**depth == slow.multiplications * 7**depth
    assert slow.multiplications == n**3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: conv2d_im2col(torch.ones(1, 2, 5, 5), torch.ones(1, 3, 3, 3)), "input channels"),
        (lambda: conv2d_im2col(torch.ones(2, 5, 5), torch.ones(1, 2, 3, 3)), "4-D tensor"),
        (lambda: conv2d_im2col(torch.ones(1, 1, 5, 5), torch.ones(1, 1, 3, 3), stride=0), "stride must be at least 1"),
        (lambda: conv2d_im2col(torch.ones(1, 1, 5, 5), torch.ones(1, 1, 3, 3), padding=(1,)), "pair"),
        (lambda: conv2d_im2col(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 3, 3)), "spans 3 pixels"),
        (lambda: conv2d_fft(torch.ones(1, 1, 5, 5), torch.ones(1, 1, 3, 3), torch.ones(2)), "bias"),
        (lambda: conv2d_fft(torch.ones(1, 1, 5, 5).double(), torch.ones(1, 1, 3, 3)), "dtype"),
        (lambda: conv2d_direct(torch.ones(4, 16, 32, 32), torch.ones(16, 16, 3, 3)), "tiny inputs"),
        (lambda: strassen_matmul(torch.ones(3, 4), torch.ones(3, 4)), "columns must equal"),
        (lambda: strassen_matmul(torch.ones(3, 3), torch.ones(3, 3), leaf=0), "leaf"),
        (lambda: conv_transpose2d_as_conv(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 3, 3), padding=3), "exceeds"),
    ],
)
def test_bad_inputs_raise_value_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()
