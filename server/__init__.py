"""`fenjie serve`: townships upload their returns through a link and see the findings at once."""
