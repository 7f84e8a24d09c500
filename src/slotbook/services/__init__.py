"""Use cases over one unit of work: verbs with keyword-only arguments."""
