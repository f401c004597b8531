"""Every committed output: the bench's tables and plots (tools/make_report.py copies them
here), and the JSON of measurements/, experiments/ and checks/. README.md says which command
wrote each file. The folder's one name: `from results import RESULTS`."""

from pathlib import Path

RESULTS = Path(__file__).resolve().parent
