"""Email: the outbox consumer that writes confirmations (with calendar invites), hold
notices, reminders and owner notices, and sends them by SMTP (or into a Maildir)."""
