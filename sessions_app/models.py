"""Sessions, answers, support requests, check-ins and debriefs arrive with the sessions issue."""
