"""Sales background work: thin tasks that take ids and call one service. (A quote's email
goes through the outbox: accounts/tasks.py.)"""
