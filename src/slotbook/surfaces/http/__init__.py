"""HTTP plumbing every router shares: error shapes, fields, dependencies, sign-in, replies,
request limits, validation messages, OpenAPI helpers.
"""
