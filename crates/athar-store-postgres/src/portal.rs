//! The postgres implementation of the portal storage trait.
