"""Models: the tiny BERT encoder and its tokenizer, the two ranker families
(cross-encoder, late interaction) behind one scorer interface, their training
loop and checkpoints, the runtime (threads, device, precision) and the model
fetch. Distillation and reranking (peers of this package) build on them."""
