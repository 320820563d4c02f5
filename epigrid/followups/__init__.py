"""Follow-up tasks (visit a household, deliver supplies, re-check a temperature) with due times (issue 10)."""
