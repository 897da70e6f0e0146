"""Password hashing: Argon2id with parameters chosen for a small server.

Django's Argon2 defaults (102,400 KiB of memory, 2 passes, 8 lanes) took 0.47 to 0.72 s per sign-in on our two
busy cores (load average 2 to 7), and 100 MiB of memory for each sign-in in progress. OWASP's minimum for
Argon2id is 19 MiB with 2 passes and 1 lane, or equivalently 46 MiB with 1 pass. We use 46 MiB with 2 passes and
1 lane: above both minimums, and 0.10 to 0.28 s per sign-in (median 0.15 to 0.20 s) on the same machine,
measured with repeated verify() calls and with
`time python -c 'import argon2; argon2.PasswordHasher(time_cost=2, memory_cost=47104, parallelism=1).hash("x")'`
(less the 0.12 to 0.2 s that Python takes to start and import argon2). The algorithm name stays "argon2", so
hashes made with Django's defaults are recognised and re-hashed with these parameters at the next sign-in
(Django's must_update).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    memory_cost = 47_104  # KiB (46 MiB)
    time_cost = 2
    parallelism = 1
