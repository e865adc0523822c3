# The money core (Order, Payment, Refund, outbox) arrives with its own issue.
