"""Transfer learning lab: ImageNet MobileNetV2 features against training from scratch on MNIST / Fashion-MNIST.

Modules: :mod:`~demos.transfer.weights` (find and checksum the offline ImageNet file), :mod:`~demos.transfer.data`
(the datasets, fixed splits, preprocessing, augmentation), :mod:`~demos.transfer.models` (the strategies),
:mod:`~demos.transfer.train` (one seeded run, step by step; feature caching; the sweep), :mod:`~demos.transfer.cache`
(the feature store), :mod:`~demos.transfer.project` (PCA in torch), :mod:`~demos.transfer.claims` (what the lab
claims, measured); ``python -m demos.transfer eval|run|sweep|checkpoint|merge|export-splits``. Importing this
package imports nothing heavy.
"""
