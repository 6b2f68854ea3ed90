"""A customer's thread with their driver about one shipment, and masked calls between them."""
