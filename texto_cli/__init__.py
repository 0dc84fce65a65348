"""texto: exemplar-based texture synthesis by multi-layer semi-discrete optimal transport."""

__version__ = "0.1.0"
