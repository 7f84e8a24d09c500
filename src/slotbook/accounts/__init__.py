"""Users, sign-in tokens, and who may do what."""
