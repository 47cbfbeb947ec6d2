"""Evaluation: metrics (trec_eval's definitions), the table, statistics across
languages and methods, the figure and report, and published reference scores."""
