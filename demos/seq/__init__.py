"""Sequence labs: memory over time (RNN, GRU, LSTM and backprop through time), a character-level language model of
these notes, attention on a toy translation, and word vectors (MiniLM's table against skip-gram on the notes).

Modules: ``memory``, ``lm``, ``attention``, ``wordvec`` (compute), ``panels`` (the shipped results the panels
draw), ``claims/`` (one claims module per lab), ``gpu``; ``python -m demos.seq train|results|eval``. Nothing is
imported here, so importing the package (for its claims' statements, say) costs no torch.
"""
