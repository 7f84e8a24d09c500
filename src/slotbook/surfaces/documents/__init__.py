"""The five documents' APIs: the live board (000), calendar owners (001), providers (002),
events (003) and signed-in reservations (004).
"""
