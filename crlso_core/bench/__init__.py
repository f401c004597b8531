"""`crlso bench`: search methods compared side by side over datasets, seeds and budgets
(methods.py), the resumable grid that runs them (grid.py), and its report (report.py)."""
