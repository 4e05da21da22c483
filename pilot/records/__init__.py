"""All SQL of the pilot's records, one module per aggregate, always parameterised."""
