"""Rule logic: small typed functions, one module per legal area."""
