"""Image captioning with soft attention on rendered scenes (Show, Attend and Tell at a small scale)."""
