//! Evaluation on the labelled pairs (filled in below).
fn main() {}
