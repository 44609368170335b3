"""The SQLite chat-history data layer: persistence across reopen, ownership, paging."""

from __future__ import annotations

from pathlib import Path

from chainlit.types import Feedback, Pagination, ThreadFilter
from chainlit.user import User

from graph.workspace.chat_history import ChatHistoryStore


class SessionUser:
    """The injection seam: who is writing (None = outside a chat session)."""

    def __init__(self) -> None:
        self.identifier: str | None = None

    def __call__(self) -> str | None:
        return self.identifier


def _step(step_id: str, thread_id: str, output: str, created: str) -> dict:
    return {
        "id": step_id,
        "threadId": thread_id,
        "type": "assistant_message",
        "name": "Brandloom",
        "output": output,
        "createdAt": created,
        "metadata": {},
    }


async def test_thread_survives_reopen_with_steps_in_order(tmp_path: Path) -> None:
    path = tmp_path / "chat.sqlite3"
    writer = SessionUser()
    store = ChatHistoryStore(path, session_user=writer)
    ana = await store.create_user(User(identifier="ana"))
    assert ana is not None
    writer.identifier = "ana"
    await store.update_thread("t1", name="Spring launch", user_id=ana.id, metadata={"k": 1})
    await store.create_step(_step("s2", "t1", "second", "2026-01-01T00:00:02Z"))
    await store.create_step(_step("s1", "t1", "first", "2026-01-01T00:00:01Z"))
    await store.update_step({"id": "s1", "threadId": "t1", "output": "first, edited"})
    await store.close()

    reopened = ChatHistoryStore(path, session_user=writer)
    thread = await reopened.get_thread("t1")
    assert thread is not None
    assert thread["userIdentifier"] == "ana"
    assert thread["name"] == "Spring launch"
    assert [step["output"] for step in thread["steps"]] == ["first, edited", "second"]
    assert thread["steps"][0]["type"] == "assistant_message"
    assert await reopened.get_thread_author("t1") == "ana"
    assert (await reopened.get_user("ana")) is not None
    assert path.stat().st_mode & 0o077 == 0


async def test_author_is_set_once_and_other_sessions_cannot_write(tmp_path: Path) -> None:
    writer = SessionUser()
    store = ChatHistoryStore(tmp_path / "chat.sqlite3", session_user=writer)
    ana = await store.create_user(User(identifier="ana"))
    bob = await store.create_user(User(identifier="bob"))
    assert ana and bob
    writer.identifier = "ana"
    await store.update_thread("t1", name="ana's", user_id=ana.id)
    await store.create_step(_step("s1", "t1", "ana wrote", "2026-01-01T00:00:01Z"))

    writer.identifier = "bob"
    await store.update_thread("t1", name="bob's now", user_id=bob.id)
    await store.create_step(_step("s2", "t1", "bob wrote", "2026-01-01T00:00:02Z"))
    await store.update_step(_step("s1", "t1", "bob overwrote", "2026-01-01T00:00:01Z"))

    thread = await store.get_thread("t1")
    assert thread is not None
    assert thread["userIdentifier"] == "ana"
    assert thread["name"] == "ana's"
    assert [step["output"] for step in thread["steps"]] == ["ana wrote"]


async def test_threads_are_never_shared(tmp_path: Path) -> None:
    writer = SessionUser()
    store = ChatHistoryStore(tmp_path / "chat.sqlite3", session_user=writer)
    ana = await store.create_user(User(identifier="ana"))
    assert ana
    await store.update_thread("t1", user_id=ana.id, metadata={"is_shared": True, "x": 1})
    thread = await store.get_thread("t1")
    assert thread is not None
    assert thread["metadata"] == {"x": 1}


async def test_list_threads_shows_only_the_users_threads_newest_first(tmp_path: Path) -> None:
    store = ChatHistoryStore(tmp_path / "chat.sqlite3", session_user=SessionUser())
    ana = await store.create_user(User(identifier="ana"))
    bob = await store.create_user(User(identifier="bob"))
    assert ana and bob
    for index in range(3):
        await store.update_thread(f"a{index}", name=f"ana {index}", user_id=ana.id)
    await store.update_thread("b0", name="bob 0", user_id=bob.id)

    first = await store.list_threads(Pagination(first=2), ThreadFilter(userId=ana.id))
    assert [thread["id"] for thread in first.data] == ["a2", "a1"]
    assert first.pageInfo.hasNextPage
    rest = await store.list_threads(
        Pagination(first=2, cursor=first.pageInfo.endCursor), ThreadFilter(userId=ana.id)
    )
    assert [thread["id"] for thread in rest.data] == ["a0"]
    nobody = await store.list_threads(Pagination(first=5), ThreadFilter())
    assert nobody.data == []
    search = await store.list_threads(
        Pagination(first=5), ThreadFilter(userId=bob.id, search="bob")
    )
    assert [thread["id"] for thread in search.data] == ["b0"]


async def test_delete_thread_removes_everything(tmp_path: Path) -> None:
    writer = SessionUser()
    store = ChatHistoryStore(tmp_path / "chat.sqlite3", session_user=writer)
    await store.update_thread("t1", name="x")
    await store.create_step(_step("s1", "t1", "hello", "2026-01-01T00:00:01Z"))
    feedback_id = await store.upsert_feedback(Feedback(forId="s1", value=1, threadId="t1"))
    assert feedback_id
    await store.delete_thread("t1")
    assert await store.get_thread("t1") is None
    assert await store.get_thread_author("t1") == ""
