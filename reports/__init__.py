"""Annual tables, lead times, legacy import and anonymised publication."""
