"""Bulk jobs: one small campaign thread per SKU, run by the workers (issue 14).

``products`` validates a products file (plain or Shopify CSV) before anything is enqueued;
``jobs`` creates a job (its rows in the content store, one message per SKU thread), reports its
progress and pauses, resumes, cancels and approves it; ``runner`` is what a worker does with
one SKU thread's message.
"""
