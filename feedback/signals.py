"""Signals of the feedback app (docs/feedback.md), sent inside the transaction of the change:

- `feedback_changed(feedback=…, event=…, before=…)`: once per state change (and per grouped
  feedback answered with its primary); `before` is the status before (None on receipt) and
  `before_facts` the counted values before the change (indicators moves its counters by the
  difference; notifications tells the sender);
- `feedback_escalated(feedback=…, escalation=…)`: a rung of the ladder fired (notifications
  tells the official it names).
"""

from django.dispatch import Signal

feedback_changed = Signal()
feedback_escalated = Signal()
