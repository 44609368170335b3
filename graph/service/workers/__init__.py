"""The task engine: Dramatiq workers on the same Redis as the checkpoints.

``broker`` builds the Redis broker from the settings, ``heartbeat`` keeps a key per live worker
process in Redis (so adapters know whether anyone will take their messages), ``limits`` holds
the per-provider rate limiters every worker shares, ``actors`` declares the one actor ("run or
resume thread X to its next gate or end") and ``pool`` starts and stops a local pool through
Dramatiq's own CLI.
"""
