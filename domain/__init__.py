"""Pure SG-989 vocabulary and rules. No I/O, no imports of other sg989 packages."""
