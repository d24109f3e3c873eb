"""Widgets and item models of the Prompts page (a view over :mod:`workbench.prompts`)."""
