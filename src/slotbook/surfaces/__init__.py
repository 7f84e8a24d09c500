"""One router module per documented surface; thin: parse, call a service, shape the answer."""
