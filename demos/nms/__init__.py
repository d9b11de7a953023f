"""Non-max suppression demo: ``from demos.nms import nms, batched_nms, soft_nms, box_iou``."""

from demos.nms.ops import batched_nms, box_area, box_iou, nms, soft_nms

__all__ = ["batched_nms", "box_area", "box_iou", "nms", "soft_nms"]
