"""Data augmentation lab: colour jitter, PCA colour, random crops, scales, flips and rotations, shown on photos and
measured on a 10-labels-per-class shape task. Importing the package costs no torch (compute in its modules)."""
