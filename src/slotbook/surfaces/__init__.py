"""One router module per documented surface; thin: parse, call a use case, shape the
answer. Surfaces never import each other: what they share is in `shared`."""
