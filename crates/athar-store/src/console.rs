//! Storage for the caseworker console (users, sessions, review queue, audit search): a trait of its own, owned by the web tier's issue.
