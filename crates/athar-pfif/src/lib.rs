//! PFIF 1.4 import and export (namespace-aware XML).
