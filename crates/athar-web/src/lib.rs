//! The web tier: the public portal, the caseworker console and the JSON API.

pub mod api;
pub mod console;
