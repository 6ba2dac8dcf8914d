//! The synthetic Syrian registry generator with ground truth (`athar gen`).
