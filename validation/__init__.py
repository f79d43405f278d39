"""Scripts that reproduce the paper's experiments and measure the library; each writes a report."""
