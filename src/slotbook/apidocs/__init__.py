"""The API describing itself: the OpenAPI document, the AsyncAPI document of the live
board, the five documents it implements, and Swagger UI / ReDoc served offline."""
