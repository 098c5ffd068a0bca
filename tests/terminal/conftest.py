from client.fixtures import clients

__all__ = ["clients"]
