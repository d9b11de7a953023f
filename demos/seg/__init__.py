"""Segmentation labs on rendered scenes whose every pixel's class and object is known exactly.

Modules: :mod:`~demos.seg.data` (scenes with exact masks), :mod:`~demos.seg.metrics` (pixel accuracy, IoU,
boundary recall), :mod:`~demos.seg.models` (patch-centre classifier, FCN without and with skips, hypercolumns,
recurrent refinement), :mod:`~demos.seg.train`, :mod:`~demos.seg.instance` (a mask head on the NMS lab's
detector, mask AP), :mod:`~demos.seg.superpixels` (SLIC and Felzenszwalb at several scales). Importing this
package imports nothing heavy.
"""
