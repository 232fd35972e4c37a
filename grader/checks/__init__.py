"""The checks: one module per exercise, each test a graded `@check`. Hidden checks never ship to students."""
