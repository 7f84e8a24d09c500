"""What the API says about itself beyond the OpenAPI document: the AsyncAPI document of
the live board and the five documents the surfaces implement (served by `surfaces.docs`)."""
