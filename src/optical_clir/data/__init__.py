"""Data: the synthetic benchmark, mMARCO, the real-text tier's Bible, CIRAL,
bitext, and hub file downloads (no model code)."""
