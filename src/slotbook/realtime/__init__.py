"""Live updates: a broker carries "calendar X changed on day D" between instances after
commit; a hub pushes fresh state to this instance's WebSocket subscribers."""
