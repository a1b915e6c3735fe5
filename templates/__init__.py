"""Table-kind declarations (the single source of truth) and the template writer."""
