"""One claims module per sequence lab (see demos/claims.py for the contract); none imports torch at import time."""
