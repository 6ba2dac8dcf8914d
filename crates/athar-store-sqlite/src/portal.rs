//! The sqlite implementation of the portal storage trait.
