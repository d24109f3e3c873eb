"""Reusable widgets of the workbench window."""
