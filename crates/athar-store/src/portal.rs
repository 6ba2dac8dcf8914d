//! Storage for the public portal (reports, follow-up codes, tips, search log): a trait of its own, owned by the web tier's issue.
