"""The Bias page's parts: run panel, item models, forest plots, variant pairs, worker tasks."""
