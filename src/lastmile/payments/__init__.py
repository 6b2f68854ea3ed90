"""Cash on delivery: payments recorded at the door and each driver's cash ledger."""
