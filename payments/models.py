"""Payment policy, claims and payment runs arrive with the payments issue."""
