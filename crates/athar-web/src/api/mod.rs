//! The JSON API with scoped tokens and its OpenAPI document (issue 7).
