"""activities of sg989."""
