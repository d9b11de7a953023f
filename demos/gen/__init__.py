"""Generative labs on MNIST and 2-D points: PCA, autoencoders and a VAE by latent size; interpolation in their latent
spaces; a GAN on 2-D mixtures trained live; a small DCGAN.

Modules: ``data`` (the fixed split), ``classifier`` (the family's judge of digits), ``autoencoders``,
``interpolate``, ``gan2d``, ``dcgan`` (compute), ``panels`` (the shipped results the panels draw), ``claims/``
(one claims module per lab), ``gpu``; ``python -m demos.gen train|results|eval``. Nothing is imported here, so
importing the package costs no torch.
"""
