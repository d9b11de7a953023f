"""Motion and video labs: optical flow (Program #1 of the notes), background subtraction, actions from motion
(Program #3: single frames to two streams) and dense trajectories with flow histograms and a linear SVM.

Importing the package costs no torch; the compute lives in its modules (``demos.video.flow``, ...).
"""
