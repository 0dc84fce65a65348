"""Images: file I/O, pyramids, patches and the Gaussian (ADSN) field, with their kernels."""
