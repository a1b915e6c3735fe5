"""`python -m cli` runs fenjie, as the console script does."""
from cli.main import run

run()
