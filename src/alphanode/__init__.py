"""alphanode: a self-hosted publishing platform for technical articles."""

__version__ = "0.1.0"
