"""Types every API router shares: schemas, pagination, parameter bounds, errors to HTTP."""
