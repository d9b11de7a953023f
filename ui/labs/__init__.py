"""Lab panels: one module per lab family (``ui/labs/<family>.py``), drawing only -- widgets in, one compute call,
figures out. :mod:`ui.labs.frame` puts a panel on a card or a lab page with its claims and its code."""
