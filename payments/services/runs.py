"""Payment runs. Filled in by the payments work."""


def paid_notice_context(*, person, key):
    return {}
