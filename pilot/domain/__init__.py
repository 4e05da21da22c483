"""Pure domain code: code lists, levels, identifiers, dates and validation rules. No I/O."""
