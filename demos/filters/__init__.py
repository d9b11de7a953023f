"""What early layers see: MobileNetV2's first-layer filters trained on ImageNet, trained from scratch on digits,
and at random initialisation, measured and shown with their responses on photos. Modules:
:mod:`~demos.filters.layers`, :mod:`~demos.filters.panel`. Importing this package imports nothing heavy.
"""
