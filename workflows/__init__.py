"""workflows of sg989."""
