"""Detector families on rendered scenes with exact boxes: sliding windows, region proposals then classify
(R-CNN's recipe), a one-stage grid detector (YOLO-style) and a dense anchor detector (SSD-style) with and
without a feature pyramid. Boxes are suppressed and scored with the NMS lab's own ``demos.nms.ops`` and
``demos.nms.evaluate``.

Modules: :mod:`~demos.detect.data`, :mod:`~demos.detect.models`, :mod:`~demos.detect.anchors`,
:mod:`~demos.detect.train`, :mod:`~demos.detect.windows` (sliding windows and region proposals),
:mod:`~demos.detect.evaluate` (AP on small and large objects). Importing this package imports nothing heavy.
"""
