"""Bayesian CNN uncertainty lab: a plain CNN, MC dropout, Bayes by Backprop and a deep ensemble on MNIST.

Modules: ``layers`` (BayesLinear, BayesConv2d), ``models``, ``uncertainty`` (entropy, mutual information, ECE,
AUROC), ``data`` (MNIST and the OOD sets), ``train``, ``evaluate``, ``explore`` (one input, every model: what the
panel and page show), ``claims`` (what the lab claims, measured), ``checkpoints``, ``gpu``;
``python -m demos.bayesian train|eval|panel``. Nothing is imported here, so importing the package stays cheap.
"""
