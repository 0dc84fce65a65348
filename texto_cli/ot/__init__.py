"""Semi-discrete optimal transport: the multi-layer solver, its target tree and kernels."""
