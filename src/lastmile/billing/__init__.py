"""Billing: what each merchant owes (rate cards, charges, invoices) and what each driver or
carrier is owed (pay plans, statements), with cash on delivery reconciled between them.

Money is always `decimal.Decimal` with an ISO 4217 currency code beside it (see `money`).
"""
