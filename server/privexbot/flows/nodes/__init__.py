"""Node types: schema, handles, outputs and run of each."""
