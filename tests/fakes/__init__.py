"""Test doubles for what cannot run here: servers and emulators standing in for remote APIs."""
