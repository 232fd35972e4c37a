"""One folder per exercise (exerciseN/: __init__.py with TITLE and FUNCTIONS, checks.py, truth.py, mistakes.py,
data), found by grader/registry.py; the modules here are shared by several exercises."""
