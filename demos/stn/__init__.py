"""Spatial transformer lab: MNIST digits rotated, scaled and shifted, classified by a small CNN with and without
a spatial transformer in front. Modules: :mod:`~demos.stn.model`, :mod:`~demos.stn.train`. Importing this package
imports nothing heavy.
"""
