"""How networks learn, measured: activations and vanishing gradients, batch normalisation, regularisation, bias
and variance, loss functions, and metric learning. Compute modules import torch themselves; importing the package
(for a claims module's statements, say) costs none."""
