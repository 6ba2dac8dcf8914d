//! The sqlite implementation of the console storage trait.
