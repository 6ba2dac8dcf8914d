//! The postgres implementation of the console storage trait.
