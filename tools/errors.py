"""The one error tree of Brandloom.

::

    BrandloomError                 base; ``user_message`` is safe to show (no secrets)
    ├── ConfigError                an operator mistake: bad or missing setting, missing extra
    ├── InputError                 bad user input: brief, resume value, file, id
    │   ├── NotFoundError          an unknown campaign, asset, brand or item
    │   ├── BriefInvalid           a brief with one or more problems, each with its line
    │   └── IllegalTransition      an asset lifecycle move the store refuses (draft -> published)
    ├── PermissionDenied           the user's role or ownership does not allow it
    ├── ProviderError              a model or vendor API failed (status, retry_after, transient)
    ├── StoreError                 Redis, vector index or event store failed
    │   ├── StoreUnavailable       the store cannot be reached at all (down, wrong address)
    │   └── CampaignBusy           another run holds the campaign's lease
    ├── BudgetExceeded             a token or cost quota would be crossed
    └── ToolOutcome                a tool result the model should see (retry or give up)

The UI and the CLI map each class to a plain message; any other exception is a bug and is
surfaced as one. Each class declares the exit code ``brandloom`` ends with when a command is
refused with it (``exit_code``; the README's "Exit codes" table, ``graph.cli.exit_codes.ExitCode``).
"""

from __future__ import annotations


class BrandloomError(Exception):
    """Base of every error Brandloom raises on purpose."""

    exit_code: int = 1
    """What a ``brandloom`` command refused with this error exits with."""

    @property
    def user_message(self) -> str:
        """One line that is safe to show a user."""
        return str(self)


class ConfigError(BrandloomError):
    """The configuration is wrong or incomplete (an operator mistake)."""

    exit_code = 9


class InputError(BrandloomError):
    """User input does not parse or breaks a limit; nothing was changed."""

    exit_code = 2


class NotFoundError(InputError):
    """A campaign, asset, brand or memory item that does not exist."""


class BriefInvalid(InputError):
    """A brief (or its product list) with problems; all of them are reported at once.

    ``problems`` are ``(line, message)`` pairs, ``line`` counted from 1 in the brief text (0:
    the brief as a whole), so a user can fix every problem in one edit.
    """

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = list(problems)
        parts = [f"line {line}: {text}" if line else text for line, text in self.problems]
        count = len(parts)
        head = "the brief has a problem" if count == 1 else f"the brief has {count} problems"
        super().__init__(f"{head}: " + "; ".join(parts))


class IllegalTransition(InputError):
    """An asset version cannot make this lifecycle move; nothing of the batch was stored."""


class PermissionDenied(BrandloomError):
    """The user's role or thread ownership does not allow the action."""

    exit_code = 6


class ProviderError(BrandloomError):
    """A model provider failed.

    ``transient`` errors (timeouts, 429, 5xx) are retried with backoff and then handed to the
    next model in the fallback chain; others fail fast.
    """

    exit_code = 5

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

    exit_code = 7


class StoreUnavailable(StoreError):
    """A store (Redis, the content store) cannot be reached: a fault of the deployment, not of
    the data. The message names the store and its address and says what to do."""

    def __init__(self, store: str, address: str, fix: str, *, failed: str = "") -> None:
        where = f" at {address}" if address else ""
        doing = f" ({failed})" if failed else ""
        super().__init__(f"the {store}{where} is unreachable{doing}: {fix}")
        self.store = store
        self.address = address


class CampaignBusy(StoreError):
    """Another run or resume holds this campaign's lease.

    ``expires_in_s`` says how long until a crashed holder's lease expires (None: unknown).
    """

    exit_code = 8

    def __init__(self, thread_id: str, expires_in_s: float | None = None) -> None:
        wait = (
            f"; if that run crashed, its lease expires in {expires_in_s:.0f}s"
            if expires_in_s is not None and expires_in_s > 0
            else ""
        )
        super().__init__(
            f"campaign {thread_id} is busy: another run or resume is in progress{wait}"
        )
        self.thread_id = thread_id
        self.expires_in_s = expires_in_s


class BudgetExceeded(BrandloomError):
    """A call would cross a task or campaign token/cost quota."""

    exit_code = 4


class ToolOutcome(BrandloomError):
    """A tool result for the model: ``retry`` says whether trying again can help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry
