"""One claims module per generative lab (see demos/claims.py for the contract); none imports torch at import time."""
