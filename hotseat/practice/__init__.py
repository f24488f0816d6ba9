"""Practice: a trainee's session against the simulated customer (session, personas, mood, customer, engine)."""
