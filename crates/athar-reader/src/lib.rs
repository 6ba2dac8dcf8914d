//! Streaming list reader: CSV (UTF-8, UTF-16, Windows-1256; sniffed delimiter) and XLSX,
//! mapped onto the canonical fields of `athar-record`.
