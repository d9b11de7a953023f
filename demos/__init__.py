"""Live PyTorch demos, one package per demo (demos/<name>/): pure torch compute with shape comments, a CLI
(``python -m demos.<name> ...``) that trains or evaluates headless and prints JSON metrics, and a small
checkpoint made by the demo's own seeded training command. Pages import a demo's compute lazily."""
