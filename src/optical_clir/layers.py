"""Layer indices of the config (``distill.layers``): 0 is the embeddings, 1..L
the transformer layers, negative indices count from the end."""

from __future__ import annotations

from collections.abc import Sequence


def resolve_layers(layers: Sequence[int], n_hidden_states: int) -> list[int]:
    """Map config layer indices to indices of ``hidden_states`` (``n_hidden_states``
    = layers + 1), sorted and without repeats.

    Raises
    ------
    ValueError
        Naming ``distill.layers``, the bad index and the valid range.
    """
    out = []
    for layer in layers:
        index = layer if layer >= 0 else n_hidden_states + layer
        if not 0 <= index < n_hidden_states:
            raise ValueError(
                f"distill.layers: {layer} is out of range for a model with "
                f"{n_hidden_states - 1} layers (use 0..{n_hidden_states - 1} or "
                f"-1..-{n_hidden_states})"
            )
        out.append(index)
    return sorted(set(out))
