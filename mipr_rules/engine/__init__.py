"""The engine: rule conditions compiled to durable-rules and run in supervised worker processes."""
