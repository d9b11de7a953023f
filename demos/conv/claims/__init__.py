"""What the convolution labs claim, one module per lab (named by its registry entry); see demos/claims.py.

Each module states its claims in ``SPECS`` without importing torch and measures them in ``measure(ctx)``.
"""
