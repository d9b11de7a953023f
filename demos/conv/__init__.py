"""How convolutions work and what they cost: arithmetic, three ways to compute one, efficient blocks, precision."""

from demos.conv.arithmetic import output_size, receptive_field, transposed_output_size

__all__ = ["output_size", "receptive_field", "transposed_output_size"]
