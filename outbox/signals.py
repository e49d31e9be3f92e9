"""Signals of the outbox, sent inside the transaction that changes the message.

- `message_enqueued(message)`: a message was written (`delivery.enqueue`), in the writer's
  transaction.
- `message_delivered(message)`: the receiver took it; the row is marked sent, in the delivery's
  transaction (`message.sent_at`, `message.lag_seconds` tell how long the world waited).

Listeners (the indicators count sync-on-time from them) write in the same transaction and must
not touch the message.
"""

from django.dispatch import Signal

# sender: the OutboxMessage class; kwargs: message
message_enqueued = Signal()
message_delivered = Signal()
