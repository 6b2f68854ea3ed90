"""Settlement with the people who deliver: contractor drivers' and carriers' pay (plans and
statements, from the same delivery truth the merchants are charged from), and the cash on
delivery they collect reconciled against what they handed over and what merchants were paid.

Kept apart from `billing/` (what merchants owe) because it reads dispatch, payments and alerts,
while dispatch calls billing when a status moves: one package would import itself in a circle.
"""
