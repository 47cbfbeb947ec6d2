"""Neural stages: tokenizer, tiny BERT pretraining, cross-encoder teacher,
OPTICAL distillation and reranking (transformers models throughout)."""
