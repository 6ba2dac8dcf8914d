//! The caseworker console (issue 7): login, roles, import, review queue, compare, persons, tips, audit.
