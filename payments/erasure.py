"""What payments does when a person is erased (core.extensions.person_erasure)."""
