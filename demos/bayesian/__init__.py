"""Bayesian CNN uncertainty demo: an ordinary CNN, MC dropout, Bayes by Backprop and a deep ensemble on MNIST.

Modules: ``layers`` (BayesLinear, BayesConv2d), ``models``, ``uncertainty`` (entropy, mutual information, ECE,
AUROC), ``data`` (MNIST and the OOD sets), ``train``, ``evaluate``, ``explore`` (one input, every model),
``checkpoints``, ``gpu``; ``python -m demos.bayesian train|eval``. Nothing is imported here, so importing the
package stays cheap.
"""
