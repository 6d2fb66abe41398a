"""Notifications: who hears what and when, written to an outbox, rendered, and sent.

- events.py: what thidua/services tells people (the one interface they call);
  reminders.py: the deadline sweep's reminders and overdue notices.
- recipients.py: who hears a campaign's news; outbox.py: writing messages once per cause;
  render.py: the templates (templates/messages/) in the person's language.
- delivery.py: the delivery round, its leases and retries; smtp.py and mail.py: e-mail;
  webhooks.py: signed webhooks; digest.py: daily digests; status.py: what is not delivered.
"""
