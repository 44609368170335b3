"""The one error tree of Brandloom.

::

    BrandloomError                 base; ``user_message`` is safe to show (no secrets)
    ├── ConfigError                an operator mistake: bad or missing setting, missing extra
    ├── InputError                 bad user input: brief, resume value, file, id
    │   ├── NotFoundError          an unknown campaign, asset, brand or item
    │   └── IllegalTransition      an asset lifecycle move the store refuses (draft -> published)
    ├── PermissionDenied           the user's role or ownership does not allow it
    ├── ProviderError              a model or vendor API failed (status, retry_after, transient)
    ├── StoreError                 Redis, vector index or event store failed
    │   └── CampaignBusy           another run holds the campaign's lease
    ├── BudgetExceeded             a token or cost quota would be crossed
    └── ToolOutcome                a tool result the model should see (retry or give up)

The UI and the CLI map each class to a plain message; any other exception is a bug and is
surfaced as one.
"""

from __future__ import annotations


class BrandloomError(Exception):
    """Base of every error Brandloom raises on purpose."""

    @property
    def user_message(self) -> str:
        """One line that is safe to show a user."""
        return str(self)


class ConfigError(BrandloomError):
    """The configuration is wrong or incomplete (an operator mistake)."""


class InputError(BrandloomError):
    """User input does not parse or breaks a limit; nothing was changed."""


class NotFoundError(InputError):
    """A campaign, asset, brand or memory item that does not exist."""


class IllegalTransition(InputError):
    """An asset version cannot make this lifecycle move; nothing of the batch was stored."""


class PermissionDenied(BrandloomError):
    """The user's role or thread ownership does not allow the action."""


class ProviderError(BrandloomError):
    """A model provider failed.

    ``transient`` errors (timeouts, 429, 5xx) are retried with backoff and then handed to the
    next model in the fallback chain; others fail fast.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        retry_after: float | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.retry_after = retry_after
        self.transient = transient


class StoreError(BrandloomError):
    """A state store (Redis, vector index, event log) failed or holds unreadable data."""


class CampaignBusy(StoreError):
    """Another run or resume holds this campaign's lease."""

    def __init__(self, thread_id: str) -> None:
        super().__init__(f"campaign {thread_id} is busy: another run or resume is in progress")
        self.thread_id = thread_id


class BudgetExceeded(BrandloomError):
    """A call would cross a task or campaign token/cost quota."""


class ToolOutcome(BrandloomError):
    """A tool result for the model: ``retry`` says whether trying again can help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry
