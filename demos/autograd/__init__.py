"""Backpropagation by hand: ``from demos.autograd import Value``, a scalar autograd engine in pure Python, and
the small graphs (a neuron, a two-layer net on one example) the lab steps through node by node."""

from demos.autograd.engine import Value, zero_grad

__all__ = ["Value", "zero_grad"]
