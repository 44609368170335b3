"""The chat workspace's rules: commands, rendering, users and roles, owners, chat history."""
