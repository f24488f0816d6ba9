"""Cohorts, graders and accounts: the multi-user data layer.

Every public function takes the acting user (an `Actor`) explicitly and enforces access itself,
so no page can show what its user may not see. Modules:

  accounts     roles, local accounts (argon2), sign-in, the single local user, SSO identities
  access       who may see which session: get_session_for, list_sessions_for
  cohorts      cohorts, join codes, graders, members
  assignments  assignments, a trainee's status, starting and linking attempts
  dashboard    completion, per-skill distributions, weakest skills, trends
  csv_io       CSV export of a cohort, all-or-nothing CSV import of users
  reviews      submission for review, the review queue, per-skill reviews
  calibration  quadratic-weighted kappa: evaluator vs graders, grader vs grader
  scores       per-skill scores out of stored evaluations; timeutil: UTC helpers
"""
