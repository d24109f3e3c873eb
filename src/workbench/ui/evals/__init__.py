"""Widgets and item models of the Evaluations page (a view over :mod:`workbench.evals`)."""
