"""Every lab, in one place: what it is called, which family package computes it, which cards it illustrates,
which function draws its panel, its full page (if any), its claims and its GPU check.

Adding a lab is a package (or a module of a family package) under ``demos/`` plus one :class:`Lab` entry in
:data:`LABS`. Nothing else registers a lab: the card page, Browse's "has a lab" filter, the navigation,
``python -m demos list``, ``python -m demos claims``, ``python -m demos.gpu_check`` and ``python -m kb check``
(which reports a lab naming a card that does not exist, with this file's line) all read this list.

Plain Python with no imports beyond the standard library: the app reads it at start without importing torch.
Functions are named by dotted path (``"package.module:function"``), so demos/ never imports streamlit.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_DOTTED = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Lab:
    """One lab. ``family`` is the package under demos/ whose ``eval`` command measures the lab's claims."""

    name: str  # unique slug, used in URLs (/lab?name=...) and in claim records
    title: str  # shown on cards, in the navigation and on the lab page
    family: str  # package demos/<family>/; `python -m demos.<family> eval --json` measures its labs
    icon: str  # a Material icon, ":material/<name>:"
    cards: tuple[str, ...]  # ids of the cards it illustrates (the only place this link is made)
    summary: str  # one sentence: what a learner sees and learns
    panel: str  # "ui.labs.<family>:<function>" drawing the inline panel; takes (lab, key_prefix)
    claims: str | None = None  # "demos.<family>.<module>": SPECS and measure(ctx), see demos/claims.py
    page: str | None = None  # "pages/<file>.py" for a lab with its own full page
    gpu_check: str | None = None  # "demos.<family>.gpu:gpu_check", run by `python -m demos.gpu_check`
    code: tuple[str, ...] = field(default_factory=tuple)  # "module:function" shown under "The code that ran"

    @property
    def cli(self) -> str:
        return f"python -m demos.{self.family}"


LABS: tuple[Lab, ...] = (
    Lab(
        name="nms",
        title="Non-max suppression",
        family="nms",
        icon=":material/select_all:",
        cards=("non-max-suppression", "intersection-over-union", "sliding-windows"),
        summary="A real detector's raw boxes, suppressed greedily, per class or softly, with AP against the truth.",
        panel="ui.labs.nms:panel",
        claims="demos.nms.claims",
        page="pages/demo_nms.py",
        gpu_check="demos.nms.gpu:gpu_check",
        code=("demos.nms.ops:nms", "demos.nms.ops:_greedy_cpu", "demos.nms.ops:box_iou"),
    ),
    Lab(
        name="transfer",
        title="Transfer learning",
        family="transfer",
        icon=":material/move_down:",
        cards=(
            "transfer-learning",
            "fine-tuning",
            "cnn-feature-extractor",
            "transferable-low-level-features",
            "data-augmentation",
            "color-jitter",
            "random-crops-and-scales",
        ),
        summary="ImageNet MobileNetV2 features against the same network trained from scratch, at 1 to 400 labels.",
        panel="ui.labs.transfer:panel",
        claims="demos.transfer.claims",
        page="pages/demo_transfer.py",
        gpu_check="demos.transfer.gpu:gpu_check",
        code=("demos.transfer.models:TransferNet", "demos.transfer.models:param_groups", "demos.transfer.train:run"),
    ),
    Lab(
        name="captioning",
        title="Captioning with soft attention",
        family="captioning",
        icon=":material/subtitles:",
        cards=("attention-captioning", "rnn-image-captioning", "soft-vs-hard-attention"),
        summary="A CNN + LSTM that captions rendered scenes and shows where it looked for every word.",
        panel="ui.labs.captioning:panel",
        claims="demos.captioning.claims",
        page="pages/demo_captioning.py",
        gpu_check="demos.captioning.gpu:gpu_check",
        code=(
            "demos.captioning.model:AdditiveAttention",
            "demos.captioning.model:greedy",
            "demos.captioning.metrics:attention_looks",
        ),
    ),
    Lab(
        name="bayesian",
        title="Bayesian CNN uncertainty",
        family="bayesian",
        icon=":material/blur_on:",
        cards=("bayesian-cnn", "bayesian-cnn-tradeoffs", "dropout", "l1-regularization", "l2-regularization"),
        summary="MC dropout, Bayes by Backprop and an ensemble against one CNN: do they know when they do not know?",
        panel="ui.labs.bayesian:panel",
        claims="demos.bayesian.claims",
        page="pages/demo_bayesian.py",
        gpu_check="demos.bayesian.gpu:gpu_check",
        code=(
            "demos.bayesian.explore:angle_report",
            "demos.bayesian.models:sample_probs",
            "demos.bayesian.models:dropout",
            "demos.bayesian.uncertainty:mutual_information",
        ),
    ),
    Lab(
        name="semantic-segmentation",
        title="Semantic segmentation: patches, FCNs, hypercolumns",
        family="seg",
        icon=":material/layers:",
        cards=(
            "semantic-segmentation",
            "fcn-upsampling",
            "hypercolumns",
            "segmentation-metrics",
            "patch-classification-segmentation",
            "recurrent-refinement",
            "project-semantic-segmentation",
        ),
        summary="Five ways to label every pixel of the same scenes, scored by pixel accuracy and mean IoU against "
        "exact masks, and timed.",
        panel="ui.labs.seg:semantic_panel",
        claims="demos.seg.claims_semantic",
        gpu_check="demos.seg.gpu:gpu_check",
        code=("demos.seg.models:FCN.forward", "demos.seg.metrics:class_iou", "demos.seg.metrics:mean_iou"),
    ),
    Lab(
        name="instance-segmentation",
        title="Instance vs semantic segmentation",
        family="seg",
        icon=":material/category:",
        cards=("instance-segmentation", "simultaneous-detection-segmentation", "multi-task-cascades"),
        summary="Touching shapes of one class are one region to semantics and two objects to a detector with a "
        "mask head; mask AP says how well each separates them.",
        panel="ui.labs.seg:instance_panel",
        claims="demos.seg.claims_instance",
        gpu_check="demos.seg.gpu:gpu_check",
        code=("demos.seg.instance:detect_and_segment", "demos.seg.instance:paste", "demos.seg.instance:match_masks"),
    ),
    Lab(
        name="superpixels",
        title="Superpixels at several scales",
        family="seg",
        icon=":material/texture:",
        cards=("multiscale-segmentation", "semantic-segmentation"),
        summary="SLIC and Felzenszwalb regions on a photo and on a scene, coarse to fine: how many true edges they "
        "find, and how they sharpen a coarse segmentation.",
        panel="ui.labs.seg:superpixel_panel",
        claims="demos.seg.claims_superpixels",
        gpu_check="demos.seg.gpu:gpu_check",
        code=("demos.seg.metrics:boundary_recall", "demos.seg.superpixels:pool"),
    ),
    Lab(
        name="detector-families",
        title="Detector families: windows, proposals, YOLO, SSD, FPN",
        family="detect",
        icon=":material/center_focus_strong:",
        cards=(
            "sliding-windows",
            "rcnn",
            "fast-rcnn",
            "faster-rcnn",
            "yolo",
            "ssd",
            "feature-pyramid-network",
            "project-object-detection",
        ),
        summary="Six ways to find the same shapes, from sliding windows to a feature pyramid: crops per image, time "
        "per image and AP on small and large objects.",
        panel="ui.labs.detect:panel",
        claims="demos.detect.claims",
        gpu_check="demos.detect.gpu:gpu_check",
        code=(
            "demos.detect.models:AnchorDetector.features",
            "demos.detect.anchors:match",
            "demos.detect.evaluate:size_ap",
        ),
    ),
    Lab(
        name="spatial-transformer",
        title="Spatial transformer on warped digits",
        family="stn",
        icon=":material/rotate_90_degrees_ccw:",
        cards=("spatial-transformer-network",),
        summary="Digits rotated, scaled and shifted: a small CNN with and without a spatial transformer in front, and "
        "the digit the transformer hands it.",
        panel="ui.labs.stn:panel",
        claims="demos.stn.claims",
        gpu_check="demos.stn.gpu:gpu_check",
        code=("demos.stn.model:SpatialTransformer.forward", "demos.stn.model:warp"),
    ),
    Lab(
        name="early-layers",
        title="What early layers see",
        family="filters",
        icon=":material/filter_vintage:",
        cards=("transferable-low-level-features", "cnn-feature-extractor"),
        summary="MobileNetV2's first 32 filters as ImageNet left them, as grey digits make them and at random, and "
        "what they pick out of a photo.",
        panel="ui.labs.filters:panel",
        claims="demos.filters.claims",
        gpu_check="demos.filters.gpu:gpu_check",
        code=("demos.filters.layers:low_frequency_share", "demos.filters.layers:colour_share"),
    ),
    Lab(
        name="optical-flow",
        title="Optical flow between two frames",
        family="video",
        icon=":material/air:",
        cards=("optical-flow", "opencv-practice-programs"),
        summary="Program #1: Farnebäck, Lucas-Kanade and SIFT on moving shapes and a warped photo, scored against the "
        "true flow of every pixel.",
        panel="ui.labs.video:flow_panel",
        claims="demos.video.flow_claims",
        gpu_check="demos.video.gpu:gpu_check",
        code=("demos.video.flow:farneback", "demos.video.flow:endpoint_error", "demos.scenes.clips:actor_flow"),
    ),
    Lab(
        name="background-subtraction",
        title="Background subtraction",
        family="video",
        icon=":material/layers_clear:",
        cards=("background-subtraction", "opencv-practice-programs"),
        summary="A running average against OpenCV's MOG2 and KNN on still, swaying and brightening backgrounds, with "
        "F1 against the true foreground.",
        panel="ui.labs.video:background_panel",
        claims="demos.video.background_claims",
        gpu_check="demos.video.gpu:gpu_check",
        code=("demos.video.background:running_average", "demos.video.background:opencv_subtract"),
    ),
    Lab(
        name="video-actions",
        title="Actions from motion: one frame to two streams",
        family="video",
        icon=":material/directions_run:",
        cards=(
            "single-frame-baseline",
            "temporal-extent-filters",
            "slow-fusion",
            "3d-convolution",
            "c3d",
            "two-stream-networks",
            "cnn-lstm-video",
            "recurrent-convolutional-network",
            "conv-lstm",
            "rnn-3d-convnet-video",
            "local-vs-global-motion",
            "multi-resolution-video",
            "optical-flow",
            "opencv-practice-programs",
        ),
        summary="Program #3: video models on actions that only motion tells apart, from a single frame (chance) "
        "to fusion, 3-D convolutions, two streams, recurrence and a flow-histogram SVM.",
        panel="ui.labs.video:actions_panel",
        claims="demos.video.actions_claims",
        gpu_check="demos.video.gpu:gpu_check",
        code=("demos.video.models:SlowFusion", "demos.video.models:TwoStream", "demos.video.models:ConvGRUCell"),
    ),
    Lab(
        name="dense-trajectories",
        title="Dense trajectories, flow histograms and an SVM",
        family="video",
        icon=":material/timeline:",
        cards=("dense-trajectories", "keypoint-flow-histograms-svm", "opencv-practice-programs", "two-stream-networks"),
        summary="The classical pipeline: points tracked by the flow, histograms of their motion, a linear SVM, on the "
        "same actions as the learned models.",
        panel="ui.labs.video:trajectories_panel",
        claims="demos.video.trajectories_claims",
        gpu_check="demos.video.gpu:gpu_check",
        code=(
            "demos.video.trajectories:dense_tracks",
            "demos.video.trajectories:flow_histogram",
            "demos.video.trajectories:fit_svm",
        ),
    ),
    Lab(
        name="augmentation",
        title="Data augmentation",
        family="augment",
        icon=":material/auto_awesome_motion:",
        cards=("data-augmentation", "color-jitter", "random-crops-and-scales"),
        summary="Colour jitter, PCA colour, crops, scales, flips and rotations on a photo, and what each does for a "
        "small CNN that has 10 labels per class.",
        panel="ui.labs.augment:panel",
        claims="demos.augment.claims",
        gpu_check="demos.augment.gpu:gpu_check",
        code=("demos.augment.ops:pca_colour", "demos.augment.ops:color_jitter", "demos.augment.ops:affine"),
    ),
    Lab(
        name="optimisers",
        title="Optimisers race",
        family="optim",
        icon=":material/sports_score:",
        cards=(
            "gradient-descent",
            "stochastic-gradient-descent",
            "momentum",
            "adagrad",
            "rmsprop",
            "adadelta",
            "adam",
        ),
        summary="Seven update rules, each a few lines, race on loss surfaces and then train the same MLP on MNIST.",
        panel="ui.labs.optim:optimisers_panel",
        claims="demos.optim.claims_optimisers",
        gpu_check="demos.optim.gpu:gpu_check",
        code=("demos.optim.rules:momentum", "demos.optim.rules:rmsprop", "demos.optim.rules:adam"),
    ),
    Lab(
        name="learning-rate",
        title="The learning rate",
        family="optim",
        icon=":material/speed:",
        cards=("learning-rate", "gradient-descent", "stochastic-gradient-descent"),
        summary="Too small, about right, too large and divergent, on a surface and on an MLP, and a range test.",
        panel="ui.labs.optim:learning_rate_panel",
        claims="demos.optim.claims_learning_rate",
        code=("demos.optim.rules:sgd", "demos.optim.network:range_test"),
    ),
    Lab(
        name="sync-async",
        title="Synchronous vs asynchronous SGD",
        family="optim",
        icon=":material/sync_alt:",
        cards=("sync-async-training", "stochastic-gradient-descent", "learning-rate"),
        summary="Workers that apply gradients computed on stale weights, against synchronous SGD, measured.",
        panel="ui.labs.optim:sync_panel",
        claims="demos.optim.claims_sync",
        code=("demos.optim.sync:stale_sgd",),
    ),
    Lab(
        name="backprop",
        title="Backpropagation by hand",
        family="autograd",
        icon=":material/account_tree:",
        cards=(
            "backpropagation",
            "computational-graph",
            "sigmoid-derivative",
            "torch-backward-api",
            "feedforward-network",
            "hidden-layers",
        ),
        summary="A scalar autograd in one class: step a neuron or a two-layer net forward and back, node by node.",
        panel="ui.labs.autograd:panel",
        claims="demos.autograd.claims",
        gpu_check="demos.autograd.gpu:gpu_check",
        code=("demos.autograd.engine:Value",),
    ),
    Lab(
        name="activations",
        title="Activations and vanishing gradients",
        family="train",
        icon=":material/show_chart:",
        cards=(
            "activation-functions",
            "vanishing-gradient",
            "hidden-layers",
            "feedforward-network",
            "batch-normalization",
        ),
        summary="Gradient size at every layer of a deep MLP, by activation, initialisation, batch norm and skips.",
        panel="ui.labs.train:activations_panel",
        claims="demos.train.claims_activations",
        gpu_check="demos.train.gpu:gpu_check",
        code=("demos.train.activations:gradient_norms",),
    ),
    Lab(
        name="batch-norm",
        title="Batch normalisation",
        family="train",
        icon=":material/equalizer:",
        cards=("batch-normalization",),
        summary="A deep MLP with and without batch norm at five learning rates, and train mode against eval mode.",
        panel="ui.labs.train:batchnorm_panel",
        claims="demos.train.claims_batchnorm",
        code=("demos.train.batchnorm:mode_effects",),
    ),
    Lab(
        name="regularisation",
        title="Regularisation",
        family="train",
        icon=":material/tune:",
        cards=("dropout", "dropconnect", "l1-regularization", "l2-regularization"),
        summary="500 digits with noisy labels: none, L2, L1, dropout and DropConnect, train against test accuracy.",
        panel="ui.labs.train:regularisation_panel",
        claims="demos.train.claims_regularisation",
        code=("demos.train.core:MaskedDropout", "demos.train.regularise:MinibatchDropConnect"),
    ),
    Lab(
        name="bias-variance",
        title="Bias and variance",
        family="train",
        icon=":material/stacked_line_chart:",
        cards=("bias-variance",),
        summary="Polynomials of degree 0 to 15 on 200 noisy training sets: under-fit, right, over-fit, measured.",
        panel="ui.labs.train:biasvar_panel",
        claims="demos.train.claims_biasvar",
        code=("demos.train.biasvar:sweep",),
    ),
    Lab(
        name="losses",
        title="Loss functions",
        family="train",
        icon=":material/functions:",
        cards=("cross-entropy-loss", "mse-loss", "nll-loss", "softmax", "svm-classifier-head", "one-hot-encoding"),
        summary="Cross-entropy against MSE, NLL against cross-entropy, softmax's temperature, an SVM head.",
        panel="ui.labs.train:losses_panel",
        claims="demos.train.claims_losses",
        code=("demos.train.losses:logit_gradients", "demos.train.losses:nll_vs_cross_entropy"),
    ),
    Lab(
        name="embeddings",
        title="Contrastive and triplet losses",
        family="train",
        icon=":material/scatter_plot:",
        cards=("contrastive-loss", "triplet-loss"),
        summary="A 2-D embedding of MNIST trained live with pairs or triplets; retrieval by nearest neighbour.",
        panel="ui.labs.train:embeddings_panel",
        claims="demos.train.claims_embeddings",
        code=("demos.train.embed:contrastive_loss", "demos.train.embed:triplet_loss"),
    ),
    Lab(
        name="conv-arithmetic",
        title="Convolution arithmetic",
        family="conv",
        icon=":material/grid_on:",
        cards=(
            "convolution",
            "stride",
            "pooling",
            "dilated-convolution",
            "causal-convolution",
            "transposed-convolution",
            "receptive-field",
            "flattening",
            "fully-connected-layer",
            "cnn-architecture",
            "image-as-tensor",
            "3d-convolution",
            "temporal-extent-filters",
        ),
        summary="Slide a kernel with any stride, padding and dilation; watch receptive fields grow, computed two ways.",
        panel="ui.labs.conv_arithmetic:panel",
        claims="demos.conv.claims.arithmetic",
        gpu_check="demos.conv.gpu:gpu_check",
        code=(
            "demos.conv.arithmetic:output_size",
            "demos.conv.arithmetic:receptive_field",
            "demos.conv.receptive:gradient_profile",
        ),
    ),
    Lab(
        name="conv-im2col-fft",
        title="Three ways to compute a convolution",
        family="conv",
        icon=":material/view_column:",
        cards=("im2col", "fft-convolution", "convolution"),
        summary="The im2col matrix and what it costs, and a race of im2col, the FFT and the library over kernel sizes.",
        panel="ui.labs.conv_compute:three_ways_panel",
        claims="demos.conv.claims.three_ways",
        gpu_check="demos.conv.gpu:gpu_check",
        code=("demos.conv.ops:im2col", "demos.conv.ops:conv2d_im2col", "demos.conv.ops:conv2d_fft"),
    ),
    Lab(
        name="conv-strassen",
        title="Strassen's matrix multiply",
        family="conv",
        icon=":material/functions:",
        cards=("strassen-algorithm", "gpus-for-deep-learning"),
        summary="Seven block products instead of eight, counted; the error it adds and the time it does not save.",
        panel="ui.labs.conv_compute:strassen_panel",
        claims="demos.conv.claims.strassen",
        gpu_check="demos.conv.gpu:gpu_check",
        code=("demos.conv.strassen:_strassen",),
    ),
    Lab(
        name="conv-blocks",
        title="Efficient convolution blocks",
        family="conv",
        icon=":material/view_in_ar:",
        cards=(
            "stacked-3x3-convolutions",
            "bottleneck-1x1-convolution",
            "factorized-convolutions",
            "inception-v4",
            "receptive-field",
            "convolution",
            "opencv-practice-programs",
        ),
        summary="3×3 stacks, 1×1 bottlenecks, 1×N then N×1, depthwise: counted from real modules; Program #5 trained.",
        panel="ui.labs.conv_blocks:panel",
        claims="demos.conv.claims.blocks",
        gpu_check="demos.conv.gpu:gpu_check",
        code=("demos.conv.blocks:count_macs", "demos.conv.program5:make_cnn"),
    ),
    Lab(
        name="conv-precision",
        title="16-bit arithmetic",
        family="conv",
        icon=":material/exposure:",
        cards=("low-precision-training", "gpus-for-deep-learning"),
        summary="float16, bfloat16 and int8 against float64, and float16 training with and without loss scaling.",
        panel="ui.labs.conv_precision:precision_panel",
        claims="demos.conv.claims.precision",
        gpu_check="demos.conv.gpu:gpu_check",
        code=("demos.conv.precision:formats", "demos.conv.precision:_StoreAs"),
    ),
    Lab(
        name="conv-gpus",
        title="Where a GPU pays off",
        family="conv",
        icon=":material/memory:",
        cards=("gpus-for-deep-learning", "im2col"),
        summary="Matrix-multiply and convolution throughput over sizes on this CPU, next to a recorded GPU curve.",
        panel="ui.labs.conv_precision:gpus_panel",
        claims="demos.conv.claims.gpus",
        gpu_check="demos.conv.gpu:gpu_check",
        code=("demos.conv.throughput:point",),
    ),
    Lab(
        name="conv-upsampling",
        title="Transposed convolution and checkerboards",
        family="conv",
        icon=":material/zoom_out_map:",
        cards=("transposed-convolution", "fcn-upsampling", "hypercolumns", "opencv-practice-programs"),
        summary="Stride-2 transposed convolution against resize-then-convolve and bicubic: checkerboards measured.",
        panel="ui.labs.conv_upsampling:panel",
        claims="demos.conv.claims.upsampling",
        gpu_check="demos.conv.gpu:gpu_check",
        code=("demos.conv.upsampling:make_upsampler", "demos.conv.upsampling:checkerboard_energy"),
    ),
    Lab(
        name="seq-memory",
        title="Memory over time: RNN, GRU, LSTM",
        family="seq",
        icon=":material/history:",
        cards=("recurrent-neural-network", "lstm", "gru", "backprop-through-time"),
        summary="Recall a symbol after 5 to 80 steps: where a vanilla RNN forgets, and where its gradient vanishes.",
        panel="ui.labs.seq:memory_panel",
        claims="demos.seq.claims.memory",
        gpu_check="demos.seq.gpu:gpu_check",
        code=("demos.seq.memory:Recaller", "demos.seq.memory:input_gradients"),
    ),
    Lab(
        name="seq-lm",
        title="A language model of these notes",
        family="seq",
        icon=":material/edit_note:",
        cards=("rnn-language-model", "lstm", "gru", "recurrent-neural-network", "transformer", "cnn-rnn-transformer"),
        summary="Character-level RNN, GRU, LSTM and Transformer trained on the notes: perplexity, samples, a unit.",
        panel="ui.labs.seq:lm_panel",
        claims="demos.seq.claims.lm",
        code=("demos.seq.lm:CharRNN", "demos.seq.lm:Block", "demos.seq.lm:sample"),
    ),
    Lab(
        name="seq-attention",
        title="Attention on a toy translation",
        family="seq",
        icon=":material/compare_arrows:",
        cards=(
            "attention-translation",
            "sequence-to-sequence",
            "sequence-encoder",
            "transformer",
            "cnn-rnn-transformer",
        ),
        summary="Reverse letters with and without attention, and with a Transformer: where each output looks.",
        panel="ui.labs.seq:attention_panel",
        claims="demos.seq.claims.attention",
        code=("demos.seq.attention:GRUSeq2Seq.step", "demos.seq.attention:MultiHeadAttention.forward"),
    ),
    Lab(
        name="seq-wordvec",
        title="Word vectors: pretrained vs the notes",
        family="seq",
        icon=":material/hub:",
        cards=("pretrained-word-vectors", "unsupervised-learning"),
        summary="MiniLM's word-piece table against skip-gram trained on the notes: neighbours and analogies.",
        panel="ui.labs.seq:wordvec_panel",
        claims="demos.seq.claims.wordvec",
        code=("demos.seq.wordvec:train_skipgram", "demos.seq.wordvec:Space.analogy"),
    ),
    Lab(
        name="gen-autoencoders",
        title="PCA, autoencoders and VAEs",
        family="gen",
        icon=":material/compress:",
        cards=(
            "autoencoder",
            "pca-l2-reconstruction",
            "variational-autoencoder",
            "variational-inference-elbo",
            "unsupervised-learning",
        ),
        summary="Reconstruction error by latent size, 2-D latent maps coloured by digit, and the ELBO's two terms.",
        panel="ui.labs.gen:autoencoders_panel",
        claims="demos.gen.claims.autoencoders",
        gpu_check="demos.gen.gpu:gpu_check",
        code=("demos.gen.autoencoders:AutoEncoder", "demos.gen.autoencoders:losses", "demos.gen.autoencoders:PCA.fit"),
    ),
    Lab(
        name="gen-interpolation",
        title="Walking through latent space",
        family="gen",
        icon=":material/linear_scale:",
        cards=("latent-space-interpolation", "variational-autoencoder", "autoencoder", "supervised-learning"),
        summary="Pick two digits and walk between their codes: does the path stay on digits? A classifier judges.",
        panel="ui.labs.gen:interpolation_panel",
        claims="demos.gen.claims.interpolation",
        code=("demos.gen.interpolate:latent_path", "demos.gen.interpolate:mean_inner_confidence"),
    ),
    Lab(
        name="gen-gan2d",
        title="A GAN on 2-D points",
        family="gen",
        icon=":material/scatter_plot:",
        cards=("generative-adversarial-network", "unsupervised-learning"),
        summary="Generator and discriminator training live on a ring and a grid of Gaussians: modes covered.",
        panel="ui.labs.gen:gan2d_panel",
        claims="demos.gen.claims.gan2d",
        code=("demos.gen.gan2d:train_gan2d", "demos.gen.gan2d:coverage"),
    ),
    Lab(
        name="gen-dcgan",
        title="A DCGAN on MNIST",
        family="gen",
        icon=":material/draw:",
        cards=("generative-adversarial-network", "multiscale-gan", "vae-gan", "latent-space-interpolation"),
        summary="The notes' Program #4: a small DCGAN's digits, judged by a classifier, beside a VAE's samples.",
        panel="ui.labs.gen:dcgan_panel",
        claims="demos.gen.claims.dcgan",
        code=("demos.gen.dcgan:Generator", "demos.gen.dcgan:quality"),
    ),
)


# The heading each family's labs are listed under on the All labs page, in this order.
FAMILY_TITLES: dict[str, str] = {
    "nms": "Detection: non-max suppression",
    "detect": "Detection: the detector families",
    "seg": "Segmentation: every pixel labelled",
    "conv": "Convolutions: how they work and what they cost",
    "filters": "What early layers see",
    "transfer": "Transfer learning",
    "stn": "Spatial transformers",
    "captioning": "Attention: captioning",
    "bayesian": "Uncertainty",
    "optim": "Optimisation",
    "autograd": "Backpropagation",
    "train": "Training deep networks",
    "video": "Motion and video",
    "augment": "Data augmentation",
    "seq": "Sequences: recurrence, language models, attention",
    "gen": "Generative models: autoencoders, VAEs, GANs",
}


# ------------------------------------------------------------------------------------------------ lookups


def by_name() -> dict[str, Lab]:
    return {lab.name: lab for lab in LABS}


def labs_for_card(card_id: str) -> list[Lab]:
    """The labs that illustrate a card, in registry order."""
    return [lab for lab in LABS if card_id in lab.cards]


def cards_with_labs() -> set[str]:
    return {card for lab in LABS for card in lab.cards}


def families() -> list[str]:
    """Family packages in the order of :data:`FAMILY_TITLES` (then registry order), each once."""
    found = list(dict.fromkeys(lab.family for lab in LABS))
    order = list(FAMILY_TITLES)
    return sorted(found, key=lambda f: order.index(f) if f in order else len(order) + found.index(f))


def labs_in(family: str) -> list[Lab]:
    return [lab for lab in LABS if lab.family == family]


def resolve(dotted: str) -> Any:
    """Import ``"package.module:attr"`` (or a bare module path) and return the object it names."""
    module, _, attr = dotted.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


ROOT = Path(__file__).resolve().parent.parent


def source(dotted: str) -> tuple[str, str]:
    """The source of ``"module:function"`` (or ``"module:Class.method"``) as it is in its file, and that file's
    path relative to the project, read with ``ast`` so that nothing is imported (the card page shows the code
    before any torch import). Raises ``LookupError`` if the file or the name is not there."""
    module, _, qualname = dotted.partition(":")
    base = ROOT / Path(*module.split("."))
    path = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
    if not path.is_file() or not qualname:
        raise LookupError(f"no source file for {dotted!r}")
    text = path.read_text(encoding="utf-8")
    body: list[ast.stmt] = ast.parse(text).body
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None = None
    for part in qualname.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == part
            ),
            None,
        )
        if node is None:
            raise LookupError(f"{qualname!r} is not defined in {path.relative_to(ROOT)}")
        body = node.body
    assert node is not None
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    lines = text.splitlines()[start - 1 : node.end_lineno]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return path.relative_to(ROOT).as_posix(), "\n".join(line[indent:] for line in lines)


def problems() -> list[str]:
    """What is wrong with the registry itself (duplicate names, malformed paths); empty when it is sound.
    Whether the cards exist is for ``python -m kb check``, which knows the content."""
    out: list[str] = []
    seen: set[str] = set()
    for lab in LABS:
        if lab.name in seen:
            out.append(f"lab {lab.name!r} is registered twice")
        seen.add(lab.name)
        if not _NAME.match(lab.name) or not _NAME.match(lab.family.replace("_", "-")):
            out.append(f"lab {lab.name!r}: name and family must be lowercase slugs")
        if not lab.cards:
            out.append(f"lab {lab.name!r} illustrates no card")
        if len(set(lab.cards)) != len(lab.cards):
            out.append(f"lab {lab.name!r} names a card twice")
        if not lab.icon.startswith(":material/"):
            out.append(f"lab {lab.name!r}: icon must be ':material/<name>:'")
        for what, dotted in (("panel", lab.panel), ("claims", lab.claims), ("gpu_check", lab.gpu_check)):
            if dotted is not None and not _DOTTED.match(dotted):
                out.append(f"lab {lab.name!r}: {what} {dotted!r} is not a dotted path")
        for dotted in lab.code:
            if ":" not in dotted or not _DOTTED.match(dotted):
                out.append(f"lab {lab.name!r}: code {dotted!r} must be 'module:function'")
        if lab.page is not None and not (lab.page.startswith("pages/") and lab.page.endswith(".py")):
            out.append(f"lab {lab.name!r}: page {lab.page!r} must be pages/<file>.py")
    for family in dict.fromkeys(lab.family for lab in LABS):
        if family not in FAMILY_TITLES:
            out.append(f"family {family!r} has no heading in FAMILY_TITLES")
    return out
