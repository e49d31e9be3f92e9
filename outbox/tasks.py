"""Celery tasks of the outbox (defined in outbox/delivery.py). The rows are the truth; these
only wake delivery up."""

from .delivery import deliver_key_task, deliver_topic_task, sweep_task

__all__ = ["deliver_key_task", "deliver_topic_task", "sweep_task"]
