"""Signals of the outbox, sent inside the transaction that changes the message.

- `message_enqueued(message)`: a message was written (`delivery.enqueue`), in the writer's
  transaction.
- `message_delivered(message)`: the receiver took it; the row is marked sent, in the delivery's
  transaction (`message.sent_at`, `message.lag_seconds` tell how long the world waited).
  Sent by `deliver_key`, one message at a time.
- `messages_delivered(messages)`: the same for a batch (`deliver_topic`), once per batch, so
  that a listener can do its work for the batch in a fixed number of statements; a message is
  told by one of the two signals, never both.

Listeners (the indicators count sync-on-time from them) write in the same transaction and must
not touch the message.
"""

from django.dispatch import Signal

# sender: the OutboxMessage class; kwargs: message
message_enqueued = Signal()
message_delivered = Signal()
# kwargs: messages (a list of OutboxMessage, marked sent)
messages_delivered = Signal()
