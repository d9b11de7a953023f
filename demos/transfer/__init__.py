"""Transfer learning demo: ImageNet MobileNetV2 features against training from scratch on MNIST / Fashion-MNIST.

Modules: :mod:`~demos.transfer.weights` (find and checksum the offline ImageNet file), :mod:`~demos.transfer.data`
(the datasets, fixed splits, preprocessing, augmentation), :mod:`~demos.transfer.models` (the strategies),
:mod:`~demos.transfer.train` (one seeded run, feature caching, the sweep), :mod:`~demos.transfer.project`
(PCA in torch). Importing this package imports nothing heavy.
"""
