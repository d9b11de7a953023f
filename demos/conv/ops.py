"""Three ways to compute a 2-D convolution, each equal to ``torch.nn.functional.conv2d``.

Conventions follow ``F.conv2d``: ``x`` is ``Tensor[N, C, H, W]``, ``weight`` is ``Tensor[O, C, kh, kw]``,
``bias`` is ``Tensor[O]`` or None, and the output is ``Tensor[N, O, H_out, W_out]`` with
``H_out = output_size(H, kh, stride, padding, dilation)`` (see :mod:`demos.conv.arithmetic`), on the input's
device and in its dtype. Like every deep-learning library, "convolution" here is cross-correlation: the filter
is not flipped. ``stride``, ``padding`` and ``dilation`` are an int or a ``(height, width)`` pair. Inputs are
validated in Python; problems raise ``ValueError``.

* :func:`conv2d_direct` -- the definition, one output pixel at a time (tiny inputs only: it is the oracle).
* :func:`conv2d_im2col` -- every receptive field copied into a column (:func:`im2col`), then one matrix multiply.
* :func:`conv2d_fft` -- the convolution theorem: multiply the spectra of image and filter (stride 1 only).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from demos.conv.arithmetic import output_size, transposed_output_size

DIRECT_LIMIT = 200_000  # most multiply-adds conv2d_direct accepts: it is a reference, not a kernel

Pair = int | tuple[int, int]


def _pair(name: str, value: Pair, low: int) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if (
        not isinstance(pair, tuple)
        or len(pair) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
    ):
        raise ValueError(f"{name} must be an int or a (height, width) pair of ints, got {value!r}")
    if min(pair) < low:
        raise ValueError(f"{name} must be at least {low}, got {value!r}")
    return pair


def _check(x: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    if not isinstance(x, Tensor) or x.dim() != 4:
        raise ValueError(f"x must be a 4-D tensor (N, C, H, W), got shape {list(getattr(x, 'shape', []))}")
    if not isinstance(weight, Tensor) or weight.dim() != 4:
        raise ValueError(f"weight must be a 4-D tensor (O, C, kh, kw), got shape {list(getattr(weight, 'shape', []))}")
    if weight.shape[1] != x.shape[1]:
        raise ValueError(f"weight has {weight.shape[1]} input channels but x has {x.shape[1]}; they must match")
    if not x.is_floating_point() or weight.dtype != x.dtype:
        raise ValueError(f"x and weight must share one floating-point dtype, got {x.dtype} and {weight.dtype}")
    if x.device != weight.device:
        raise ValueError(f"x is on {x.device} but weight is on {weight.device}")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (weight.shape[0],)):
        raise ValueError(f"bias must be a tensor of shape ({weight.shape[0]},), got {getattr(bias, 'shape', bias)!r}")


def _out_hw(x: Tensor, weight: Tensor, stride: Pair, padding: Pair, dilation: Pair) -> tuple[int, int]:
    s, p, d = _pair("stride", stride, 1), _pair("padding", padding, 0), _pair("dilation", dilation, 1)
    return (
        output_size(x.shape[2], weight.shape[2], s[0], p[0], d[0]),
        output_size(x.shape[3], weight.shape[3], s[1], p[1], d[1]),
    )


def conv2d_direct(
    x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Pair = 1, padding: Pair = 0, dilation: Pair = 1
) -> Tensor:
    """The definition: output pixel (i, j) is the dot product of every filter with the (dilated) patch of the
    zero-padded input whose top-left corner is (i * stride, j * stride). Loops over output pixels in Python, so
    it refuses inputs above ``DIRECT_LIMIT`` multiply-adds."""
    _check(x, weight, bias)
    h_out, w_out = _out_hw(x, weight, stride, padding, dilation)
    (sh, sw), (ph, pw), (dh, dw) = (
        _pair("stride", stride, 1),
        _pair("padding", padding, 0),
        _pair("dilation", dilation, 1),
    )
    n, c, _, _ = x.shape
    o, _, kh, kw = weight.shape
    if n * o * c * kh * kw * h_out * w_out > DIRECT_LIMIT:
        raise ValueError(f"conv2d_direct is a reference for tiny inputs (at most {DIRECT_LIMIT:,} multiply-adds)")
    xp = F.pad(x, (pw, pw, ph, ph))  # (N, C, H + 2ph, W + 2pw), zeros around
    out = x.new_zeros(n, o, h_out, w_out)
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * sh, j * sw
            patch = xp[:, :, top : top + dh * (kh - 1) + 1 : dh, left : left + dw * (kw - 1) + 1 : dw]  # (N, C, kh, kw)
            out[:, :, i, j] = torch.einsum("ncuv,ocuv->no", patch, weight)
    if bias is not None:
        out += bias.view(1, o, 1, 1)
    return out


def im2col(
    x: Tensor, kernel: Pair, stride: Pair = 1, padding: Pair = 0, dilation: Pair = 1
) -> tuple[Tensor, tuple[int, int]]:
    """Copy every receptive field of ``x`` (Tensor[N, C, H, W]) into a column.

    Returns ``cols`` (Tensor[N, C * kh * kw, H_out * W_out]) -- column ``l`` holds the window that output pixel
    ``l`` (row-major) reads, channel by channel, row by row -- and ``(H_out, W_out)``. With stride 1 every input
    value is copied into up to ``kh * kw`` columns: that is im2col's memory overhead. Equal to ``F.unfold``.
    """
    if not isinstance(x, Tensor) or x.dim() != 4:
        raise ValueError(f"x must be a 4-D tensor (N, C, H, W), got shape {list(getattr(x, 'shape', []))}")
    (kh, kw), (sh, sw) = _pair("kernel", kernel, 1), _pair("stride", stride, 1)
    (ph, pw), (dh, dw) = _pair("padding", padding, 0), _pair("dilation", dilation, 1)
    n, c, h, w = x.shape
    h_out, w_out = output_size(h, kh, sh, ph, dh), output_size(w, kw, sw, pw, dw)
    xp = F.pad(x, (pw, pw, ph, ph)).contiguous()  # (N, C, Hp, Wp)
    s_n, s_c, s_h, s_w = xp.stride()
    # A view, no copy yet: element [n, c, u, v, i, j] is input pixel (i*sh + u*dh, j*sw + v*dw) of channel c.
    windows = xp.as_strided(
        (n, c, kh, kw, h_out, w_out), (s_n, s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w)
    )  # (N, C, kh, kw, H_out, W_out)
    return windows.reshape(n, c * kh * kw, h_out * w_out), (h_out, w_out)  # the copy: (N, C*kh*kw, L)


def conv2d_im2col(
    x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Pair = 1, padding: Pair = 0, dilation: Pair = 1
) -> Tensor:
    """Convolution as matrix multiplies: the filters as rows (O, C*kh*kw) times each image's im2col matrix
    (C*kh*kw, L) gives every filter's dot product with every receptive field, (O, L), reshaped to (O, H_out,
    W_out). One image at a time, as Caffe does: a single image's columns still fit in the CPU's caches when the
    multiply reads them back, a whole batch's would not."""
    _check(x, weight, bias)
    o, c, kh, kw = weight.shape
    rows = weight.reshape(o, c * kh * kw)  # (O, C*kh*kw)
    h_out, w_out = _out_hw(x, weight, stride, padding, dilation)
    if x.shape[0] == 0:  # an empty batch: nothing to multiply
        return x.new_zeros(0, o, h_out, w_out)
    outs = []
    for image in x.split(1):  # (1, C, H, W) each
        cols, _ = im2col(image, (kh, kw), stride, padding, dilation)  # (1, C*kh*kw, L)
        outs.append(rows @ cols[0])  # (O, L)
    out = torch.stack(outs)  # (N, O, L)
    if bias is not None:
        out += bias.view(1, o, 1)
    return out.view(x.shape[0], o, h_out, w_out)


def conv2d_fft(x: Tensor, weight: Tensor, bias: Tensor | None = None, padding: Pair = 0) -> Tensor:
    """Convolution (stride 1, dilation 1) by the convolution theorem.

    The padded image (Hp, Wp) and each filter, zero-padded to the same size, go through a 2-D real FFT; the
    cross-correlation's spectrum is ``X * conj(W)`` summed over input channels, and the inverse FFT gives it
    back. The FFT wraps around (circular correlation), but output pixel (i, j) with i <= Hp - kh and
    j <= Wp - kw never reads past the edge, so cropping to (H_out, W_out) leaves exactly the linear result.
    Its cost is set by the image size, not the filter's: it pays off only for large filters.
    """
    _check(x, weight, bias)
    h_out, w_out = _out_hw(x, weight, 1, padding, 1)
    ph, pw = _pair("padding", padding, 0)
    xp = F.pad(x, (pw, pw, ph, ph))  # (N, C, Hp, Wp)
    hp, wp = xp.shape[-2:]
    spec_x = torch.fft.rfft2(xp)  # (N, C, Hp, Wp//2 + 1), complex
    spec_w = torch.fft.rfft2(weight, s=(hp, wp))  # (O, C, Hp, Wp//2 + 1): filters zero-padded to the image
    spec_y = torch.einsum("nchw,ochw->nohw", spec_x, spec_w.conj())  # (N, O, Hp, Wp//2 + 1)
    out = torch.fft.irfft2(spec_y, s=(hp, wp))[:, :, :h_out, :w_out]  # (N, O, H_out, W_out)
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out.contiguous()


def relative_error(got: Tensor, want: Tensor) -> float:
    """``||got - want|| / ||want||`` (Frobenius), computed in float64; 0 when both are zero."""
    diff = float(torch.linalg.vector_norm((got.double() - want.double()).flatten()))
    norm = float(torch.linalg.vector_norm(want.double().flatten()))
    return diff / norm if norm else diff


def conv_transpose2d_as_conv(
    x: Tensor, weight: Tensor, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> Tensor:
    """A transposed convolution computed the way the arithmetic guide draws it: insert ``stride - 1`` zeros
    between the input's values, pad ``q = dilation * (kernel - 1) - padding`` zeros around (``q +
    output_padding`` on the bottom and right), and run a stride-1 convolution with the kernel flipped and its
    in/out channels swapped. ``x`` is Tensor[N, C_in, H, W], ``weight`` Tensor[C_in, C_out, k, k] as in
    ``F.conv_transpose2d``; needs ``padding <= dilation * (kernel - 1)``. Equal to ``F.conv_transpose2d``."""
    if not isinstance(x, Tensor) or x.dim() != 4 or not isinstance(weight, Tensor) or weight.dim() != 4:
        raise ValueError("x must be (N, C_in, H, W) and weight (C_in, C_out, k, k)")
    if weight.shape[0] != x.shape[1] or weight.shape[2] != weight.shape[3]:
        raise ValueError(f"weight {tuple(weight.shape)} must be (C_in={x.shape[1]}, C_out, k, k) with a square k")
    k = weight.shape[2]
    q = dilation * (k - 1) - padding
    if q < 0:
        raise ValueError(f"padding {padding} exceeds dilation * (kernel - 1) = {dilation * (k - 1)}")
    if not 0 <= output_padding < max(stride, dilation):
        raise ValueError(f"output_padding must be in [0, max(stride, dilation)), got {output_padding}")
    n, c, h, w = x.shape
    for side in (h, w):
        transposed_output_size(side, k, stride, padding, output_padding, dilation)  # ValueError if nothing is left
    stretched = x.new_zeros(n, c, (h - 1) * stride + 1, (w - 1) * stride + 1)  # (N, C, (H-1)s+1, (W-1)s+1)
    stretched[:, :, ::stride, ::stride] = x  # the input's values, stride - 1 zeros between them
    padded = F.pad(stretched, (q, q + output_padding, q, q + output_padding))
    flipped = weight.flip(-1, -2).transpose(0, 1)  # (C_out, C_in, k, k)
    return F.conv2d(padded, flipped, dilation=dilation)  # (N, C_out, H_out, W_out)
