"""GenAI Ops Workbench: try, measure and sign off generative AI models, offline."""

__version__ = "0.1.0"
