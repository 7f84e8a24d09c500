"""The HTTP surfaces, one router per surface, thin: parse, call a use case, shape the
answer. Grouped by capability (`documents`, `bookings`, `calendars`, `operations`);
surfaces never import each other: what they share is in `http`."""
