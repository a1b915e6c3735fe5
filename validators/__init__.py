"""Reading returned sheets, normalising cells, schemas, rules and findings."""
