"""``python -m demos.autograd eval --json [--full] [--save]``: the backprop-by-hand lab's claims."""

import sys

from demos.claims import family_main

if __name__ == "__main__":
    sys.exit(family_main("autograd"))
