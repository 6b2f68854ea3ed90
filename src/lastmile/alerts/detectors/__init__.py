"""One small module per exception; each turns plain observations into `Signal`s."""
